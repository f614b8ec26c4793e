// Run lists: filters, sorting, paging, counts and run references give exactly the right runs.

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <functional>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_writer.h>

#include "store_test_util.h"

using namespace lossstudio::storage;
using namespace lossstudio::storage::test;

namespace {

struct Made {
    qint64 id;
    QString uuid;
    NewRun run;
    RunStatus status;
    bool hasAccuracy;
    double accuracy;
};

}  // namespace

class TestQuery final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    QVector<Made> m_runs;
    std::unique_ptr<RunReader> m_reader;

    QVector<qint64> ids(const QVector<RunRecord>& runs) const {
        QVector<qint64> out;
        for (const RunRecord& r : runs) {
            out << r.id;
        }
        return out;
    }
    QVector<qint64> expected(const std::function<bool(const Made&)>& keep) const {
        QVector<qint64> out;
        for (const Made& m : m_runs) {
            if (keep(m)) {
                out << m.id;
            }
        }
        return out;
    }
    QVector<qint64> listed(const RunFilter& filter) {
        RunQuery q;
        q.filter = filter;
        q.sort.field = RunSort::Field::Id;
        q.sort.order = Qt::AscendingOrder;
        return ids(m_reader->listRuns(q).value());
    }

private Q_SLOTS:
    void initTestCase() {
        m_path = m_dir.filePath(QStringLiteral("runs.sqlite"));
        auto writer = RunWriter::open(m_path).value();
        const QStringList methods = {QStringLiteral("adalfl"), QStringLiteral("ml3"),
                                     QStringLiteral("cross_entropy")};
        const QStringList models = {QStringLiteral("mlp"), QStringLiteral("lenet5")};
        const QVector<RunStatus> statuses = {RunStatus::Finished, RunStatus::Stopped,
                                             RunStatus::Failed, RunStatus::Diverged};
        for (int i = 0; i < 36; ++i) {
            NewRun n = sampleRun(QStringLiteral("Run %1%2")
                                     .arg(i, 2, 10, QLatin1Char('0'))
                                     .arg(i % 5 == 0 ? QStringLiteral(" 100%_done") : QString()));
            n.method = methods.at(i % 3);
            n.model = models.at(i % 2);
            n.dataset = i < 30 ? QStringLiteral("fashion-mnist") : QStringLiteral("cifar10");
            n.seed = static_cast<quint64>(36 - i);
            n.configHash = QStringLiteral("hash%1").arg(i % 4);
            n.notes = i % 7 == 0 ? QStringLiteral("Promising SPIKE here") : QString();
            if (i % 4 == 0) {
                n.tags << QStringLiteral("paper");
            }
            if (i % 6 == 0) {
                n.tags << QStringLiteral("needs-rerun");
            }
            const RunHandle h = writer->createRun(n).value();
            const bool hasAccuracy = i % 5 != 3;
            const double accuracy = 0.5 + ((i * 7) % 36) / 100.0;
            if (hasAccuracy) {
                QVERIFY(
                    writer->appendMetric(QStringLiteral("test/accuracy"), 100, 1, accuracy).ok());
            }
            // Every run has a "started" event; every ninth warned (twice when i is odd).
            QVERIFY(writer
                        ->addEvent({0,
                                    QStringLiteral("online"),
                                    QStringLiteral("started"),
                                    {},
                                    QStringLiteral("started"),
                                    0})
                        .ok());
            for (int w = 0; i % 9 == 0 && w < 1 + i % 2; ++w) {
                QVERIFY(writer
                            ->addEvent({10 + w, QStringLiteral("online"), QStringLiteral("warning"),
                                        QStringLiteral("divergence"),
                                        QStringLiteral("non-finite loss"), 1})
                            .ok());
            }
            const RunStatus status = statuses.at(i % 4);
            QVERIFY(writer->finishRun(status, QString()).ok());
            m_runs.push_back({h.id, h.uuid, n, status, hasAccuracy, accuracy});
        }
        m_reader = RunReader::open(m_path).value();
    }

    void cleanupTestCase() { m_reader.reset(); }

    void everyRunIsListedByDefault() {
        const QVector<RunRecord> all = m_reader->listRuns().value();
        QCOMPARE(all.size(), 36);
        QCOMPARE(m_reader->countRuns().value(), qint64{36});
        // Default order: newest first.
        for (int i = 1; i < all.size(); ++i) {
            QVERIFY(all.at(i - 1).createdAt > all.at(i).createdAt ||
                    (all.at(i - 1).createdAt == all.at(i).createdAt &&
                     all.at(i - 1).id > all.at(i).id));
        }
    }

    void filtersSelectExactlyTheMatchingRuns() {
        RunFilter f;
        f.method = QStringLiteral("ml3");
        QCOMPARE(listed(f),
                 expected([](const Made& m) { return m.run.method == QLatin1String("ml3"); }));
        f = {};
        f.model = QStringLiteral("lenet5");
        f.dataset = QStringLiteral("fashion-mnist");
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.model == QLatin1String("lenet5") &&
                            m.run.dataset == QLatin1String("fashion-mnist");
                 }));
        f = {};
        f.statuses = {RunStatus::Failed, RunStatus::Diverged};
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.status == RunStatus::Failed || m.status == RunStatus::Diverged;
                 }));
        QCOMPARE(m_reader->countRuns(f).value(), qint64{18});
        f = {};
        f.tag = QStringLiteral("paper");
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.tags.contains(QStringLiteral("paper"));
                 }));
        f = {};
        f.configHash = QStringLiteral("hash2");
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.configHash == QLatin1String("hash2");
                 }));
        f = {};
        f.ids = {m_runs.at(3).id, m_runs.at(5).id};
        QCOMPARE(listed(f), (QVector<qint64>{m_runs.at(3).id, m_runs.at(5).id}));
        // Combined filters are a conjunction.
        f = {};
        f.method = QStringLiteral("adalfl");
        f.tag = QStringLiteral("needs-rerun");
        f.statuses = {RunStatus::Finished};
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.method == QLatin1String("adalfl") &&
                            m.run.tags.contains(QStringLiteral("needs-rerun")) &&
                            m.status == RunStatus::Finished;
                 }));
        f = {};
        f.method = QStringLiteral("nonexistent");
        QVERIFY(listed(f).isEmpty());
    }

    void textSearchCoversNameNotesAndTagsLiterally() {
        RunFilter f;
        f.text = QStringLiteral("spike");  // notes, case-insensitive
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.notes.contains(QStringLiteral("SPIKE"));
                 }));
        f.text = QStringLiteral("rerun");  // a tag
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.tags.contains(QStringLiteral("needs-rerun"));
                 }));
        f.text = QStringLiteral("run 1");  // names "Run 10".."Run 19"
        QCOMPARE(listed(f).size(), 10);
        // % and _ are matched literally, not as wildcards.
        f.text = QStringLiteral("100%_");
        QCOMPARE(listed(f), expected([](const Made& m) {
                     return m.run.name.contains(QStringLiteral("100%_"));
                 }));
        f.text = QStringLiteral("%");
        QCOMPARE(listed(f).size(), expected([](const Made& m) {
                                       return m.run.name.contains(QLatin1Char('%'));
                                   }).size());
        f.text = QStringLiteral("_");
        QCOMPARE(listed(f).size(), expected([](const Made& m) {
                                       return m.run.name.contains(QLatin1Char('_'));
                                   }).size());
    }

    void sortingMatchesAReferenceSort_data() {
        QTest::addColumn<int>("field");
        QTest::addColumn<bool>("ascending");
        for (bool asc : {true, false}) {
            const char* dir = asc ? "asc" : "desc";
            QTest::addRow("name %s", dir) << int(RunSort::Field::Name) << asc;
            QTest::addRow("seed %s", dir) << int(RunSort::Field::Seed) << asc;
            QTest::addRow("method %s", dir) << int(RunSort::Field::Method) << asc;
            QTest::addRow("status %s", dir) << int(RunSort::Field::Status) << asc;
            QTest::addRow("id %s", dir) << int(RunSort::Field::Id) << asc;
        }
    }

    void sortingMatchesAReferenceSort() {
        QFETCH(int, field);
        QFETCH(bool, ascending);
        RunQuery q;
        q.sort.field = static_cast<RunSort::Field>(field);
        q.sort.order = ascending ? Qt::AscendingOrder : Qt::DescendingOrder;
        QVector<Made> ref = m_runs;
        auto key = [&](const Made& m) -> QVariant {
            switch (q.sort.field) {
                case RunSort::Field::Name:
                    return m.run.name.toLower();
                case RunSort::Field::Seed:
                    return static_cast<qint64>(m.run.seed);
                case RunSort::Field::Method:
                    return m.run.method;
                case RunSort::Field::Status:
                    return statusName(m.status);
                default:
                    return m.id;
            }
        };
        std::sort(ref.begin(), ref.end(), [&](const Made& a, const Made& b) {
            const int c = QVariant::compare(key(a), key(b)) == QPartialOrdering::Less      ? -1
                          : QVariant::compare(key(a), key(b)) == QPartialOrdering::Greater ? 1
                                                                                           : 0;
            if (c != 0) {
                return ascending ? c < 0 : c > 0;
            }
            return ascending ? a.id < b.id : a.id > b.id;
        });
        QVector<qint64> want;
        for (const Made& m : ref) {
            want << m.id;
        }
        QCOMPARE(ids(m_reader->listRuns(q).value()), want);
    }

    void sortingByALatestMetricPutsRunsWithoutItLast() {
        RunQuery q;
        q.sort.field = RunSort::Field::Metric;
        q.sort.metricKey = QStringLiteral("test/accuracy");
        q.sort.order = Qt::DescendingOrder;
        q.latestKeys = {QStringLiteral("test/accuracy")};
        const QVector<RunRecord> runs = m_reader->listRuns(q).value();
        QCOMPARE(runs.size(), 36);
        int withMetric = 0;
        for (const Made& m : m_runs) {
            withMetric += m.hasAccuracy ? 1 : 0;
        }
        for (int i = 0; i < runs.size(); ++i) {
            const bool has = runs.at(i).latest.contains(QStringLiteral("test/accuracy"));
            QCOMPARE(has, i < withMetric);
            if (i > 0 && has) {
                const double prev =
                    runs.at(i - 1).latest.value(QStringLiteral("test/accuracy")).value;
                const double cur = runs.at(i).latest.value(QStringLiteral("test/accuracy")).value;
                QVERIFY(prev > cur || (prev == cur && runs.at(i - 1).id > runs.at(i).id));
            }
        }
        // The values are the stored ones.
        for (const RunRecord& r : runs) {
            for (const Made& m : m_runs) {
                if (m.id == r.id && m.hasAccuracy) {
                    QCOMPARE(r.latest.value(QStringLiteral("test/accuracy")).value, m.accuracy);
                }
            }
        }
    }

    void pagesTileTheWholeList() {
        RunQuery all;
        all.sort.field = RunSort::Field::Seed;
        all.sort.order = Qt::AscendingOrder;
        const QVector<qint64> whole = ids(m_reader->listRuns(all).value());
        QVector<qint64> paged;
        for (int offset = 0; offset < 40; offset += 7) {
            RunQuery page = all;
            page.offset = offset;
            page.limit = 7;
            const QVector<RunRecord> part = m_reader->listRuns(page).value();
            QVERIFY(part.size() <= 7);
            paged += ids(part);
        }
        QCOMPARE(paged, whole);
        RunQuery beyond = all;
        beyond.offset = 100;
        beyond.limit = 10;
        QVERIFY(m_reader->listRuns(beyond).value().isEmpty());
    }

    void listsCarryTagsAndTheRequestedLatestMetrics() {
        RunQuery q;
        q.filter.ids = {m_runs.at(0).id};
        const RunRecord r = m_reader->listRuns(q).value().first();
        QCOMPARE(r.tags, (QStringList{QStringLiteral("needs-rerun"), QStringLiteral("paper")}));
        QCOMPARE(r.latest.value(QStringLiteral("test/accuracy")).value, m_runs.at(0).accuracy);
        QVERIFY(r.configJson.isEmpty());  // lists leave the config out unless asked
        q.withConfig = true;
        q.latestKeys = {QStringLiteral("no/such/key")};
        const RunRecord withConfig = m_reader->listRuns(q).value().first();
        QCOMPARE(withConfig.configJson, m_runs.at(0).run.configJson);
        QVERIFY(withConfig.latest.isEmpty());
        q.withLatest = false;
        QVERIFY(m_reader->listRuns(q).value().first().latest.isEmpty());
    }

    void latestMetricsFallBackToTheTableWithoutASummary() {
        // A store written elsewhere may lack the packed summary: the table answers.
        QVERIFY(
            execRaw(m_path, {QStringLiteral("UPDATE runs SET latest_summary = NULL WHERE id = %1")
                                 .arg(m_runs.at(1).id)}));
        RunQuery q;
        q.filter.ids = {m_runs.at(1).id, m_runs.at(2).id};
        for (const RunRecord& r : m_reader->listRuns(q).value()) {
            const Made& m = r.id == m_runs.at(1).id ? m_runs.at(1) : m_runs.at(2);
            QCOMPARE(r.latest.value(QStringLiteral("test/accuracy")).value, m.accuracy);
        }
    }

    void eventCountsFlagTheRunsThatWarned() {
        QVector<qint64> all;
        QHash<qint64, int> expected;
        for (int i = 0; i < m_runs.size(); ++i) {
            all << m_runs.at(i).id;
            if (i % 9 == 0) {
                expected.insert(m_runs.at(i).id, 1 + i % 2);
            }
        }
        auto warned = m_reader->countEvents(all, QStringLiteral("warning"));
        QVERIFY2(warned.ok(), qPrintable(warned.error()));
        QCOMPARE(warned.value(), expected);
        // Only the runs asked about; an empty list asks nothing.
        auto some =
            m_reader->countEvents({m_runs.at(9).id, m_runs.at(10).id}, QStringLiteral("warning"));
        QCOMPARE(some.value(), (QHash<qint64, int>{{m_runs.at(9).id, 2}}));
        QVERIFY(m_reader->countEvents({}, QStringLiteral("warning")).value().isEmpty());
        QCOMPARE(m_reader->countEvents(all, QStringLiteral("started")).value().size(),
                 m_runs.size());
    }

    void distinctValuesFeedTheFilterMenus() {
        QCOMPARE(m_reader->distinctValues(RunReader::Column::Method).value(),
                 (QStringList{QStringLiteral("adalfl"), QStringLiteral("cross_entropy"),
                              QStringLiteral("ml3")}));
        QCOMPARE(m_reader->distinctValues(RunReader::Column::Dataset).value(),
                 (QStringList{QStringLiteral("cifar10"), QStringLiteral("fashion-mnist")}));
        QCOMPARE(m_reader->distinctValues(RunReader::Column::Tag).value(),
                 (QStringList{QStringLiteral("needs-rerun"), QStringLiteral("paper")}));
    }

    void runsAreFoundByIdUuidOrPrefix() {
        const Made& m = m_runs.at(4);
        QCOMPARE(m_reader->findRun(QString::number(m.id)).value(), m.id);
        QCOMPARE(m_reader->findRun(m.uuid).value(), m.id);
        QCOMPARE(m_reader->findRun(m.uuid.left(13)).value(), m.id);
        QCOMPARE(m_reader->findRun(QStringLiteral("99999")).code(), ErrorCode::NotFound);
        QCOMPARE(m_reader->findRun(QStringLiteral("zzzzzzzz")).code(), ErrorCode::NotFound);
        QCOMPARE(m_reader->findRun(QStringLiteral("ab")).code(), ErrorCode::InvalidArgument);
        QCOMPARE(m_reader->run(99999).code(), ErrorCode::NotFound);
    }

    // A UUID's first 8 hex digits are all decimal for about one run in 40 (test_app_cli_runs once
    // failed on "39239923", read as a row id): a number is looked up as an id and as a prefix.
    void aNumberIsTriedAsAnIdAndAsAUuidPrefix() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("digits.sqlite"));
        QVector<RunHandle> made;
        {
            auto writer = RunWriter::open(path).value();
            for (const char* uuid : {"aaaa0000-0000-4000-8000-000000000001",
                                     "39239923-1a74-4000-8000-000000000002",
                                     "00020000-0000-4000-8000-000000000003"}) {
                NewRun n = sampleRun(QString::fromLatin1(uuid).left(8));
                n.uuid = QString::fromLatin1(uuid);
                made.push_back(writer->createRun(n).value());
                QVERIFY(writer->finishRun(RunStatus::Finished, QString()).ok());
            }
        }
        auto reader = RunReader::open(path).value();
        QCOMPARE(made.at(1).uuid, QStringLiteral("39239923-1a74-4000-8000-000000000002"));
        QCOMPARE(reader->findRun(QStringLiteral("39239923")).value(), made.at(1).id);
        QCOMPARE(reader->findRun(QStringLiteral("00020000")).value(), made.at(2).id);
        QCOMPARE(reader->findRun(QString::number(made.at(1).id)).value(), made.at(1).id);

        // "0002" is run 2's id (made.at(1)) and the start of the third run's UUID.
        QCOMPARE(made.at(1).id, qint64(2));
        const auto both = reader->findRun(QStringLiteral("0002"));
        QCOMPARE(both.code(), ErrorCode::InvalidArgument);
        QVERIFY2(both.error().contains(made.at(1).uuid) &&
                     both.error().contains(made.at(2).uuid),
                 qPrintable(both.error()));

        QCOMPARE(reader->findRun(QStringLiteral("7")).code(), ErrorCode::NotFound);
        const auto none = reader->findRun(QStringLiteral("77777777"));
        QCOMPARE(none.code(), ErrorCode::NotFound);
        QVERIFY2(none.error().contains(QLatin1String("id or UUID prefix")),
                 qPrintable(none.error()));
    }
};

QTEST_GUILESS_MAIN(TestQuery)
#include "test_query.moc"
