// Export to CSV / JSON holds the stored values exactly; merge combines stores, keeping UUIDs
// unique and refusing duplicates cleanly, and never writes the source.

#include <QBuffer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_transfer.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"
#include "v1_store.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

// Values whose decimal form is long or extreme: an export must round-trip them exactly.
double valueAt(int run, qint64 step) {
    switch (step % 5) {
        case 0:
            return 1.0 / (3.0 * step + run);
        case 1:
            return 0.1 * step;
        case 2:
            return -2.5e200 / step;
        case 3:
            return 1e-300 * step;
        default:
            return (run + 1) * 123456.789 + step;
    }
}

// Parses one RFC 4180 line (no embedded newlines in these tests).
QStringList parseCsvLine(const QString& line) {
    QStringList out;
    QString field;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < line.size() &&
                line.at(i + 1) == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            out << field;
            field.clear();
        } else {
            field += c;
        }
    }
    out << field;
    return out;
}

struct Store {
    QString path;
    QVector<RunHandle> runs;
};

Store makeStore(const QString& path, const QStringList& names, bool leaveLastRunning = false) {
    Store store{path, {}};
    auto writer = RunWriter::open(path).value();
    for (int r = 0; r < names.size(); ++r) {
        NewRun n = sampleRun(names.at(r));
        n.configJson =
            QStringLiteral("{\"method\":\"adalfl\",\"optimizer\":{\"lr\":0.01},\"seed\":%1}")
                .arg(r);
        n.seed = static_cast<quint64>(r);
        n.tags = {QStringLiteral("t%1").arg(r), QStringLiteral("shared")};
        n.notes = QStringLiteral("notes of %1, with \"quotes\"").arg(names.at(r));
        const RunHandle h = writer->createRun(n).value();
        store.runs << h;
        for (qint64 step = 1; step <= 120; ++step) {
            (void)writer->appendMetric(QStringLiteral("train/loss"), step, step * 0.01 + r,
                                       valueAt(r, step));
            if (step % 40 == 0) {
                (void)writer->appendMetric(QStringLiteral("test/accuracy"), step, 0.0,
                                           0.5 + step / 1000.0);
            }
        }
        (void)writer->addSnapshot(60, QStringLiteral("loss/online"),
                                  {{0.0f, 0.5f, 1.0f}, {1.0f / 3.0f, 1e-30f, -7.25f}});
        (void)writer->addEvent({60, QStringLiteral("online"), QStringLiteral("warning"),
                                QStringLiteral("divergence"), QStringLiteral("recovered"), 1.5});
        (void)writer->addCheckpoint(100, QStringLiteral("online"), QByteArray(321, 'c'));
        if (!(leaveLastRunning && r == names.size() - 1)) {
            (void)writer->finishRun(RunStatus::Finished, QString());
        } else {
            (void)writer->flush();
        }
    }
    if (leaveLastRunning) {
        // Dies "later": the writer object goes, the run stays running in this live process.
        writer.release();  // NOLINT: deliberately leaked, as a crashed process would
    }
    return store;
}

}  // namespace

class TestTransfer final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void csvExportHoldsEveryPointExactly() {
        const Store store =
            makeStore(m_dir.filePath(QStringLiteral("csv.sqlite")),
                      {QStringLiteral("plain"), QStringLiteral("with, comma \"and quotes\"")});
        auto reader = RunReader::open(store.path).value();
        const QString out = m_dir.filePath(QStringLiteral("runs.csv"));
        const Status s =
            exportRunsToFile(*reader, {store.runs[0].id, store.runs[1].id}, ExportFormat::Csv, out);
        QVERIFY2(s.ok(), qPrintable(s.error()));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(
            lines.first(),
            QStringLiteral(
                "run_uuid,run_name,method,model,dataset,seed,status,key,step,wall_time,value"));
        QCOMPARE(lines.size(), 1 + 2 * (120 + 3));
        int checked = 0;
        for (int i = 1; i < lines.size(); ++i) {
            const QStringList f = parseCsvLine(lines.at(i));
            QCOMPARE(f.size(), 11);
            const int r = f[0] == store.runs[0].uuid ? 0 : 1;
            QCOMPARE(f[0], store.runs[r].uuid);
            QCOMPARE(f[1], r == 0 ? QStringLiteral("plain")
                                  : QStringLiteral("with, comma \"and quotes\""));
            QCOMPARE(f[5], QString::number(r));
            QCOMPARE(f[6], QStringLiteral("finished"));
            const qint64 step = f[8].toLongLong();
            if (f[7] == QLatin1String("train/loss")) {
                QCOMPARE(f[10].toDouble(),
                         valueAt(r, step));  // bit-exact after the text round trip
                QCOMPARE(f[9].toDouble(), step * 0.01 + r);
                ++checked;
            } else {
                QCOMPARE(f[7], QStringLiteral("test/accuracy"));
                QCOMPARE(f[10].toDouble(), 0.5 + step / 1000.0);
            }
        }
        QCOMPARE(checked, 240);
    }

    void jsonExportHoldsTheWholeRun() {
        const Store store =
            makeStore(m_dir.filePath(QStringLiteral("json.sqlite")), {QStringLiteral("solo")});
        auto reader = RunReader::open(store.path).value();
        QBuffer buffer;
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        const Status s = exportRuns(*reader, {store.runs[0].id}, ExportFormat::Json, buffer);
        QVERIFY2(s.ok(), qPrintable(s.error()));
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(buffer.data(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject root = doc.object();
        QCOMPARE(root.value(QStringLiteral("format")).toString(),
                 QStringLiteral("lossstudio-runs"));
        const QJsonArray runs = root.value(QStringLiteral("runs")).toArray();
        QCOMPARE(runs.size(), 1);
        const QJsonObject run = runs.first().toObject();
        const RunRecord stored = reader->run(store.runs[0].id).value();
        QCOMPARE(run.value(QStringLiteral("uuid")).toString(), stored.uuid);
        QCOMPARE(run.value(QStringLiteral("name")).toString(), QStringLiteral("solo"));
        QCOMPARE(run.value(QStringLiteral("status")).toString(), QStringLiteral("finished"));
        QCOMPARE(run.value(QStringLiteral("notes")).toString(), stored.notes);
        QCOMPARE(run.value(QStringLiteral("config")).toObject(),
                 QJsonDocument::fromJson(stored.configJson.toUtf8()).object());
        QCOMPARE(run.value(QStringLiteral("config_hash")).toString(), stored.configHash);
        QCOMPARE(run.value(QStringLiteral("tags")).toArray(),
                 QJsonArray::fromStringList({QStringLiteral("shared"), QStringLiteral("t0")}));
        QCOMPARE(QDateTime::fromString(run.value(QStringLiteral("created_at")).toString(),
                                       Qt::ISODateWithMs),
                 stored.createdAt);
        const QJsonObject loss = run.value(QStringLiteral("metrics"))
                                     .toObject()
                                     .value(QStringLiteral("train/loss"))
                                     .toObject();
        const QJsonArray steps = loss.value(QStringLiteral("step")).toArray();
        const QJsonArray values = loss.value(QStringLiteral("value")).toArray();
        const QJsonArray walls = loss.value(QStringLiteral("wall_time")).toArray();
        QCOMPARE(steps.size(), 120);
        for (int i = 0; i < 120; ++i) {
            const qint64 step = steps.at(i).toInteger();
            QCOMPARE(step, qint64{i + 1});
            QCOMPARE(values.at(i).toDouble(), valueAt(0, step));
            QCOMPARE(walls.at(i).toDouble(), step * 0.01);
        }
        QCOMPARE(run.value(QStringLiteral("latest_metrics"))
                     .toObject()
                     .value(QStringLiteral("test/accuracy"))
                     .toObject()
                     .value(QStringLiteral("value"))
                     .toDouble(),
                 0.5 + 120 / 1000.0);
        const QJsonArray snapshots = run.value(QStringLiteral("snapshots")).toArray();
        QCOMPARE(snapshots.size(), 1);
        const QJsonArray curves =
            snapshots.first().toObject().value(QStringLiteral("arrays")).toArray();
        QCOMPARE(float(curves.at(1).toArray().at(0).toDouble()), 1.0f / 3.0f);
        QCOMPARE(float(curves.at(1).toArray().at(1).toDouble()), 1e-30f);
        QCOMPARE(float(curves.at(1).toArray().at(2).toDouble()), -7.25f);
        const QJsonObject event = run.value(QStringLiteral("events")).toArray().first().toObject();
        QCOMPARE(event.value(QStringLiteral("code")).toString(), QStringLiteral("divergence"));
        QCOMPARE(event.value(QStringLiteral("wall_time")).toDouble(), 1.5);
        const QJsonObject checkpoint =
            run.value(QStringLiteral("checkpoints")).toArray().first().toObject();
        QCOMPARE(checkpoint.value(QStringLiteral("step")).toInteger(), qint64{100});
        QCOMPARE(checkpoint.value(QStringLiteral("bytes")).toInteger(), qint64{321});
    }

    void exportToAnUnwritablePathFailsCleanly() {
        const Store store =
            makeStore(m_dir.filePath(QStringLiteral("x.sqlite")), {QStringLiteral("x")});
        auto reader = RunReader::open(store.path).value();
        const QString out = m_dir.filePath(QStringLiteral("no/such/dir/out.json"));
        const Status s = exportRunsToFile(*reader, {store.runs[0].id}, ExportFormat::Json, out);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().contains(out), qPrintable(s.error()));
        QVERIFY(!QFile::exists(out));
        // An unknown run: the target is not left half-written.
        const QString out2 = m_dir.filePath(QStringLiteral("partial.json"));
        QVERIFY(
            !exportRunsToFile(*reader, {store.runs[0].id, 424242}, ExportFormat::Json, out2).ok());
        QVERIFY(!QFile::exists(out2));
    }

    void mergeCopiesNewRunsAndSkipsDuplicates() {
        const Store a = makeStore(m_dir.filePath(QStringLiteral("a.sqlite")),
                                  {QStringLiteral("a1"), QStringLiteral("a2")});
        const Store b =
            makeStore(m_dir.filePath(QStringLiteral("b.sqlite")), {QStringLiteral("b1")});
        const QByteArray aBefore = fileBytes(a.path);

        const auto first = mergeStores(b.path, a.path);
        QVERIFY2(first.ok(), qPrintable(first.error()));
        QCOMPARE(first.value().added, (QStringList{a.runs[0].uuid, a.runs[1].uuid}));
        QVERIFY(first.value().duplicates.isEmpty());
        QCOMPARE(first.value().metricRows, qint64{2 * 123});
        QCOMPARE(fileBytes(a.path), aBefore);  // the source is never written

        // Everything came across: rows, snapshots, events, checkpoints, tags, notes, summaries.
        auto readerA = RunReader::open(a.path, OpenMode::ReadOnly).value();
        auto readerB = RunReader::open(b.path).value();
        QCOMPARE(readerB->countRuns().value(), qint64{3});
        for (const RunHandle& h : a.runs) {
            const qint64 copy = readerB->findRun(h.uuid).value();
            const RunRecord src = readerA->run(h.id).value();
            const RunRecord dst = readerB->run(copy).value();
            QCOMPARE(dst.name, src.name);
            QCOMPARE(dst.configJson, src.configJson);
            QCOMPARE(dst.tags, src.tags);
            QCOMPARE(dst.notes, src.notes);
            QCOMPARE(dst.status, src.status);
            QCOMPARE(dst.createdAt, src.createdAt);
            QCOMPARE(dst.latest.value(QStringLiteral("test/accuracy")).value,
                     src.latest.value(QStringLiteral("test/accuracy")).value);
            const QVector<MetricRow> srcRows = readerA->metricRows(h.id).value();
            const QVector<MetricRow> dstRows = readerB->metricRows(copy).value();
            QCOMPARE(dstRows.size(), srcRows.size());
            for (int i = 0; i < srcRows.size(); ++i) {
                QCOMPARE(dstRows[i].key, srcRows[i].key);
                QCOMPARE(dstRows[i].step, srcRows[i].step);
                QCOMPARE(dstRows[i].value, srcRows[i].value);
                QCOMPARE(dstRows[i].wallTime, srcRows[i].wallTime);
            }
            QCOMPARE(
                readerB->snapshots(copy, QStringLiteral("loss/online")).value().first().arrays,
                readerA->snapshots(h.id, QStringLiteral("loss/online")).value().first().arrays);
            QCOMPARE(readerB->events(copy).value().size(), 1);
            QCOMPARE(readerB->latestCheckpoint(copy).value().data, QByteArray(321, 'c'));
            QCOMPARE(
                readerB->decimatedSeries(copy, QStringLiteral("train/loss"), 10).value().values,
                readerA->decimatedSeries(h.id, QStringLiteral("train/loss"), 10).value().values);
        }

        // Again: every run is already there, nothing is duplicated.
        const auto second = mergeStores(b.path, a.path);
        QVERIFY2(second.ok(), qPrintable(second.error()));
        QVERIFY(second.value().added.isEmpty());
        QCOMPARE(second.value().duplicates, (QStringList{a.runs[0].uuid, a.runs[1].uuid}));
        QCOMPARE(readerB->countRuns().value(), qint64{3});
        QCOMPARE(scalar(b.path, QStringLiteral("SELECT count(*) FROM runs")).toInt(), 3);
        QCOMPARE(scalar(b.path, QStringLiteral("SELECT count(DISTINCT uuid) FROM runs")).toInt(),
                 3);

        // The other way round: only b1 is new to a.
        readerA.reset();
        const auto back = mergeStores(a.path, b.path);
        QVERIFY2(back.ok(), qPrintable(back.error()));
        QCOMPARE(back.value().added, QStringList{b.runs[0].uuid});
        QCOMPARE(back.value().duplicates.size(), 2);
        QCOMPARE(scalar(a.path, QStringLiteral("SELECT count(*) FROM runs")).toInt(), 3);
        QCOMPARE(scalar(a.path, QStringLiteral("PRAGMA integrity_check")).toString(),
                 QStringLiteral("ok"));
    }

    void mergeTakesOlderSchemasAndRunningRuns() {
        const QString v1 = m_dir.filePath(QStringLiteral("v1.sqlite"));
        QVERIFY(writeVersion1Store(v1, /*walJournal=*/true));
        const QByteArray before = fileBytes(v1);
        const QString target =
            m_dir.filePath(QStringLiteral("target.sqlite"));  // created by the merge
        const auto merged = mergeStores(target, v1);
        QVERIFY2(merged.ok(), qPrintable(merged.error()));
        QCOMPARE(merged.value().added.size(), 2);
        QCOMPARE(merged.value().interrupted, QStringList{kRunningUuid});
        QCOMPARE(fileBytes(v1), before);  // upgraded in a temporary copy only
        QCOMPARE(scalar(v1, QStringLiteral("SELECT version FROM schema_version")).toInt(), 1);
        auto reader = RunReader::open(target).value();
        QCOMPARE(reader->run(reader->findRun(kRunningUuid).value()).value().status,
                 RunStatus::Interrupted);
        const qint64 finished = reader->findRun(kFinishedUuid).value();
        QCOMPARE(reader->series(finished, QStringLiteral("train/loss")).value().steps.size(), 1000);
        QCOMPARE(reader->run(finished).value().latest.value(QStringLiteral("test/accuracy")).value,
                 0.875);
    }

    void mergeRefusesBadSourcesAndItself() {
        const Store a =
            makeStore(m_dir.filePath(QStringLiteral("self.sqlite")), {QStringLiteral("s")});
        const auto self = mergeStores(a.path, a.path);
        QVERIFY(!self.ok());
        QVERIFY2(self.error().contains(QStringLiteral("itself")), qPrintable(self.error()));

        const QString text = m_dir.filePath(QStringLiteral("text.sqlite"));
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("definitely not a database\n");
        file.close();
        const QByteArray targetBefore = fileBytes(a.path);
        const auto bad = mergeStores(a.path, text);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.code(), ErrorCode::NotAStore);
        QVERIFY2(bad.error().contains(text), qPrintable(bad.error()));
        QCOMPARE(scalar(a.path, QStringLiteral("SELECT count(*) FROM runs")).toInt(), 1);
        Q_UNUSED(targetBefore);
        // No temporary copy is left behind.
        const QStringList leftovers = QDir(m_dir.path())
                                          .entryList({QStringLiteral(".lossstudio-merge-*")},
                                                     QDir::AllEntries | QDir::Hidden);
        QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(QLatin1Char(' '))));
    }
};

QTEST_GUILESS_MAIN(TestTransfer)
#include "test_transfer.moc"
