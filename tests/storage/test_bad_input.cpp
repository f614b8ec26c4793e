// Bad input: files that are not stores, stores from a newer LossStudio, missing and read-only
// locations. Each gives a clear error naming the file and leaves it byte-identical.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Opens `path` in every way the app does; each must fail with `code` and a message naming it.
void expectRefusedEverywhere(const QString& path, ErrorCode code, const QString& phrase) {
    const QByteArray before = fileBytes(path);
    const QString shown = path;
    {
        const auto writer = RunWriter::open(path);
        QVERIFY(!writer.ok());
        QCOMPARE(writer.code(), code);
        QVERIFY2(writer.error().contains(shown) && writer.error().contains(phrase),
                 qPrintable(writer.error()));
    }
    for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
        const auto reader = RunReader::open(path, mode);
        QVERIFY(!reader.ok());
        QCOMPARE(reader.code(), code);
        QVERIFY2(reader.error().contains(shown), qPrintable(reader.error()));
    }
    QCOMPARE(fileBytes(path), before);
    // Nothing was created beside it either.
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        QVERIFY2(!QFile::exists(path + QLatin1String(suffix)), suffix);
    }
}

}  // namespace

class TestBadInput final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void aTextFileIsNotAStore() {
        const QString path = m_dir.filePath(QStringLiteral("notes.txt"));
        QByteArray text;
        for (int i = 0; i < 200; ++i) {
            text += "these are my notes, not a database\n";
        }
        QVERIFY(writeFile(path, text));
        expectRefusedEverywhere(path, ErrorCode::NotAStore,
                                QStringLiteral("not a LossStudio run store"));
    }

    void garbageBehindAnSqliteHeaderIsRefused() {
        const QString path = m_dir.filePath(QStringLiteral("garbage.sqlite"));
        QByteArray bytes("SQLite format 3", 16);
        for (int i = 0; i < 8192; ++i) {
            bytes += char((i * 131 + 7) & 0xff);
        }
        QVERIFY(writeFile(path, bytes));
        const QByteArray before = fileBytes(path);
        const auto reader = RunReader::open(path);
        QVERIFY(!reader.ok());
        QVERIFY2(reader.error().contains(path), qPrintable(reader.error()));
        QVERIFY(!RunWriter::open(path).ok());
        QCOMPARE(fileBytes(path), before);
    }

    void anotherSqliteDatabaseIsNotAStore() {
        const QString path = m_dir.filePath(QStringLiteral("other.sqlite"));
        QVERIFY(execRaw(
            path, {QStringLiteral("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)"),
                   QStringLiteral("INSERT INTO invoices(total) VALUES(12.5)")}));
        expectRefusedEverywhere(path, ErrorCode::NotAStore,
                                QStringLiteral("not a LossStudio run store"));
        QCOMPARE(scalar(path, QStringLiteral("SELECT total FROM invoices")).toDouble(), 12.5);
    }

    void aStoreFromANewerLossStudioIsLeftAlone() {
        const QString path = m_dir.filePath(QStringLiteral("future.sqlite"));
        {
            auto writer = RunWriter::open(path).value();
            QVERIFY(writer->createRun(sampleRun(QStringLiteral("from the future"))).ok());
            QVERIFY(writer->finishRun(RunStatus::Finished).ok());
        }
        QVERIFY(execRaw(path, {QStringLiteral("UPDATE schema_version SET version = 99"),
                               QStringLiteral("CREATE TABLE future_things(x)")}));
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));  // checkpointed on close
        expectRefusedEverywhere(path, ErrorCode::NewerSchema, QStringLiteral("newer LossStudio"));
        const QString message = RunReader::open(path).error();
        QVERIFY2(message.contains(QStringLiteral("99")), qPrintable(message));
    }

    void aMissingFolderIsReportedAndNotCreated() {
        const QString folder = m_dir.filePath(QStringLiteral("no/such/folder"));
        const QString path = folder + QStringLiteral("/runs.sqlite");
        const auto writer = RunWriter::open(path);
        QVERIFY(!writer.ok());
        QCOMPARE(writer.code(), ErrorCode::NotFound);
        QVERIFY2(writer.error().contains(folder) &&
                     writer.error().contains(QStringLiteral("does not exist")),
                 qPrintable(writer.error()));
        QVERIFY(!QDir(folder).exists());
        QVERIFY(!QFile::exists(path));
    }

    void aMissingFileIsNotCreatedByAReadOnlyOpen() {
        const QString path = m_dir.filePath(QStringLiteral("absent.sqlite"));
        const auto reader = RunReader::open(path, OpenMode::ReadOnly);
        QVERIFY(!reader.ok());
        QCOMPARE(reader.code(), ErrorCode::NotFound);
        QVERIFY2(reader.error().contains(path), qPrintable(reader.error()));
        QVERIFY(!QFile::exists(path));
    }

    void aFolderIsNotAStore() {
        const QString path = m_dir.filePath(QStringLiteral("a-folder.sqlite"));
        QVERIFY(QDir().mkpath(path));
        const auto writer = RunWriter::open(path);
        QVERIFY(!writer.ok());
        QCOMPARE(writer.code(), ErrorCode::NotAStore);
        QVERIFY2(writer.error().contains(path), qPrintable(writer.error()));
    }

    void aReadOnlyStoreIsNotWrittenButCanBeRead() {
        const QString folder = m_dir.filePath(QStringLiteral("ro"));
        QVERIFY(QDir().mkpath(folder));
        const QString path = folder + QStringLiteral("/runs.sqlite");
        {
            auto writer = RunWriter::open(path).value();
            QVERIFY(writer->createRun(sampleRun(QStringLiteral("kept"))).ok());
            QVERIFY(writer->finishRun(RunStatus::Finished).ok());
        }
        const QByteArray before = fileBytes(path);
        QVERIFY(
            QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        {
            const auto writer = RunWriter::open(path);
            QVERIFY(!writer.ok());
            QCOMPARE(writer.code(), ErrorCode::ReadOnly);
            QVERIFY2(writer.error().contains(path) &&
                         writer.error().contains(QStringLiteral("read-only")),
                     qPrintable(writer.error()));
            // Read-only opens still work: lists and exports of an archived store.
            auto reader = RunReader::open(path, OpenMode::ReadOnly);
            QVERIFY2(reader.ok(), qPrintable(reader.error()));
            QCOMPARE(reader.value()->countRuns().value(), qint64{1});
        }
        QCOMPARE(fileBytes(path), before);
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));

        // A writable file in a read-only folder: WAL could not create its journal there.
        QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
        const auto writer = RunWriter::open(path);
        QVERIFY(
            QFile::setPermissions(folder, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QVERIFY(!writer.ok());
        QCOMPARE(writer.code(), ErrorCode::ReadOnly);
        QVERIFY2(writer.error().contains(folder), qPrintable(writer.error()));
        QCOMPARE(fileBytes(path), before);

        // And a new store cannot be created in a read-only folder.
        const QString roFolder = m_dir.filePath(QStringLiteral("ro2"));
        QVERIFY(QDir().mkpath(roFolder));
        QVERIFY(QFile::setPermissions(roFolder, QFile::ReadOwner | QFile::ExeOwner));
        const auto created = RunWriter::open(roFolder + QStringLiteral("/runs.sqlite"));
        QVERIFY(QFile::setPermissions(roFolder,
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QVERIFY(!created.ok());
        QCOMPARE(created.code(), ErrorCode::ReadOnly);
        QVERIFY(!QFile::exists(roFolder + QStringLiteral("/runs.sqlite")));
    }

    void anOlderStoreOpenedReadOnlyIsNotUpgraded() {
        const QString path = m_dir.filePath(QStringLiteral("old.sqlite"));
        QVERIFY(
            execRaw(path, {QStringLiteral("CREATE TABLE schema_version(version INTEGER NOT NULL)"),
                           QStringLiteral("INSERT INTO schema_version VALUES(1)")}));
        const QByteArray before = fileBytes(path);
        const auto reader = RunReader::open(path, OpenMode::ReadOnly);
        QVERIFY(!reader.ok());
        QCOMPARE(reader.code(), ErrorCode::NeedsUpgrade);
        QVERIFY2(
            reader.error().contains(path) && reader.error().contains(QStringLiteral("read-write")),
            qPrintable(reader.error()));
        QCOMPARE(fileBytes(path), before);
    }

    void anEmptyPathIsAnError() {
        QCOMPARE(RunWriter::open(QString()).code(), ErrorCode::InvalidArgument);
        QCOMPARE(RunReader::open(QString()).code(), ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "test_bad_input.moc"
