#include "dataset_folder.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStringList>
#include <utility>

namespace lossstudio::ui {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("DatasetFolder", text);
}

bool hasFile(const QDir& dir, const QString& name) {
    return QFileInfo(dir.filePath(name)).isFile();
}

/// The IDX spellings the reader accepts: the usual download (gzipped), unpacked, and the
/// "train-images.idx3-ubyte" spelling.
QStringList idxNames(const QString& prefix, const QString& kind, const QString& idx) {
    const QString dashed =
        prefix + QLatin1Char('-') + kind + QLatin1Char('-') + idx + QStringLiteral("-ubyte");
    const QString dotted =
        prefix + QLatin1Char('-') + kind + QLatin1Char('.') + idx + QStringLiteral("-ubyte");
    return {dashed + QStringLiteral(".gz"), dashed, dotted + QStringLiteral(".gz"), dotted};
}

QString idxProblem(const QDir& dir, const QString& title) {
    for (const QString& prefix : {QStringLiteral("train"), QStringLiteral("t10k")}) {
        for (const auto& [kind, idx] :
             {std::pair{QStringLiteral("images"), QStringLiteral("idx3")},
              std::pair{QStringLiteral("labels"), QStringLiteral("idx1")}}) {
            const QStringList names = idxNames(prefix, kind, idx);
            bool found = false;
            for (const QString& name : names) {
                found = found || hasFile(dir, name);
            }
            if (!found) {
                return tr("%1 holds no %2 %3 %4 (looked for %5): choose the folder with the "
                          "dataset's IDX files")
                    .arg(QDir::toNativeSeparators(dir.path()), title,
                         prefix == QLatin1String("train") ? tr("training") : tr("test"), kind,
                         names.join(QStringLiteral(", ")));
            }
        }
    }
    return {};
}

QString cifarProblem(const QDir& folder, bool cifar100) {
    const QStringList names =
        cifar100
            ? QStringList{QStringLiteral("train.bin"), QStringLiteral("test.bin")}
            : QStringList{QStringLiteral("data_batch_1.bin"), QStringLiteral("data_batch_2.bin"),
                          QStringLiteral("data_batch_3.bin"), QStringLiteral("data_batch_4.bin"),
                          QStringLiteral("data_batch_5.bin"), QStringLiteral("test_batch.bin")};
    // The archives unpack into a subfolder; the reader accepts the folder itself or that one.
    const QString sub =
        cifar100 ? QStringLiteral("cifar-100-binary") : QStringLiteral("cifar-10-batches-bin");
    QDir dir = folder;
    if (!hasFile(dir, names.front()) && hasFile(QDir(folder.filePath(sub)), names.front())) {
        dir = QDir(folder.filePath(sub));
    }
    QStringList missing;
    for (const QString& name : names) {
        if (!hasFile(dir, name)) {
            missing << name;
        }
    }
    if (missing.isEmpty()) {
        return {};
    }
    return tr("%1 holds no %2 binary batches (missing %3, in it and in %4/): choose the folder "
              "of the binary version")
        .arg(QDir::toNativeSeparators(folder.path()),
             cifar100 ? QStringLiteral("CIFAR-100") : QStringLiteral("CIFAR-10"),
             missing.join(QStringLiteral(", ")), sub);
}

}  // namespace

QString datasetFolderProblem(const QString& dataset, const QString& folder) {
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        return {};  // the form's own checks say what is wrong with the path
    }
    const QDir dir(folder);
    QString problem;
    if (dataset == QLatin1String("mnist")) {
        problem = idxProblem(dir, QStringLiteral("MNIST"));
    } else if (dataset == QLatin1String("kmnist")) {
        problem = idxProblem(dir, QStringLiteral("KMNIST"));
    } else if (dataset == QLatin1String("fashion-mnist")) {
        problem = idxProblem(dir, QStringLiteral("Fashion-MNIST"));
    } else if (dataset == QLatin1String("cifar10") || dataset == QLatin1String("cifar100")) {
        problem = cifarProblem(dir, dataset == QLatin1String("cifar100"));
    } else if (dataset == QLatin1String("csv")) {
        QStringList missing;
        for (const QString& name : {QStringLiteral("train.csv"), QStringLiteral("test.csv")}) {
            if (!hasFile(dir, name)) {
                missing << name;
            }
        }
        if (!missing.isEmpty()) {
            problem = tr("%1 holds no %2: a CSV folder holds train.csv and test.csv (or choose "
                         "one CSV file)")
                          .arg(QDir::toNativeSeparators(folder), missing.join(tr(" or ")));
        }
    }
    return problem.isEmpty() ? problem : tr("config key 'data.path': ") + problem;
}

}  // namespace lossstudio::ui
