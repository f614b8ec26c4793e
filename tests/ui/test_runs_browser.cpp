// The runs browser on a store seeded with hand-made runs: it lists every run with its columns
// (paged), search and filter boxes and header clicks give exactly the right rows in the right
// order (checked against the seeds, not the store), name / tags / notes edits reach the store,
// deleting asks and refuses a run still being written, a bad store file shows the store's error
// and leaves the open store in place, and the main window opens, forks and compares from it.
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <functional>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_transfer.h>
#include <lossstudio/storage/run_writer.h>
#include <lossstudio/ui/compare_view.h>
#include <lossstudio/ui/experiment_panel.h>
#include <lossstudio/ui/main_window.h>
#include <lossstudio/ui/replay_view.h>
#include <lossstudio/ui/run_data.h>
#include <lossstudio/ui/run_table_model.h>
#include <lossstudio/ui/runs_browser.h>
#include <lossstudio/ui/store_session.h>

#include "store_seed.h"

using namespace lossstudio;
using ui::RunTableModel;
using ui::testing::SeedRun;

namespace {

struct Seeded {
    qint64 id = 0;
    SeedRun spec;
    QString name;
    double testAccuracy = 0;  ///< the last test/accuracy written
};

/// The dialog with this object name once it is shown (nullptr if none appears).
QMessageBox* dialog(QWidget* parent, const char* name) {
    QMessageBox* box = nullptr;
    (void)QTest::qWaitFor(
        [&]() {
            box = parent->findChild<QMessageBox*>(QLatin1String(name));
            return box != nullptr && box->isVisible();
        },
        5000);
    return box != nullptr && box->isVisible() ? box : nullptr;
}

}  // namespace

class TestRunsBrowser final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    QVector<Seeded> m_runs;
    qint64 m_liveRun = 0;
    std::unique_ptr<storage::RunWriter> m_liveWriter;  // keeps one run "running" in this process

    QVector<qint64> expected(const std::function<bool(const Seeded&)>& keep) const {
        QVector<qint64> out;
        for (const Seeded& s : m_runs) {
            if (keep(s)) {
                out << s.id;
            }
        }
        return out;
    }
    static QVector<qint64> rows(const RunTableModel* model) {
        QVector<qint64> out;
        for (int r = 0; r < model->rowCount(); ++r) {
            out << model->runId(r);
        }
        return out;
    }
    static QVector<qint64> sorted(QVector<qint64> ids) {
        std::sort(ids.begin(), ids.end());
        return ids;
    }
    const Seeded& seeded(qint64 id) const {
        return *std::find_if(m_runs.cbegin(), m_runs.cend(),
                             [id](const Seeded& s) { return s.id == id; });
    }

private Q_SLOTS:
    void initTestCase() {
        m_path = m_dir.filePath(QStringLiteral("runs.sqlite"));
        auto writer = storage::RunWriter::open(m_path);
        QVERIFY2(writer.ok(), qPrintable(writer.error()));
        const char* methods[] = {"adalfl", "ml3", "cross_entropy"};
        for (int i = 0; i < 12; ++i) {
            SeedRun spec;
            spec.config = ui::testing::seedConfig(methods[i % 3], static_cast<std::uint64_t>(i));
            spec.config.name = QStringLiteral("run-%1-%2")
                                   .arg(i, 2, 10, QLatin1Char('0'))
                                   .arg(QLatin1String(methods[i % 3]))
                                   .toStdString();
            spec.config.model.name = i % 4 == 1 ? "lenet5" : "mlp";
            spec.config.data.name = i < 8 ? "synthetic" : "mnist";
            spec.status = i == 3   ? storage::RunStatus::Stopped
                          : i == 5 ? storage::RunStatus::Failed
                          : i == 7 ? storage::RunStatus::Diverged
                                   : storage::RunStatus::Finished;
            if (i % 3 == 0) {
                spec.tags << QStringLiteral("paper");
            }
            if (i % 4 == 0) {
                spec.tags << QStringLiteral("baseline");
            }
            spec.notes = i == 2 ? QStringLiteral("a promising SPIKE") : QString();
            spec.steps = 20 + i;
            spec.warnings = i % 4 == 0 ? i / 4 + 1 : 0;  // runs 0, 4, 8: 1, 2, 3
            QString error;
            const qint64 id = ui::testing::seedRun(*writer.value(), spec, &error);
            QVERIFY2(id > 0, qPrintable(error));
            Seeded s;
            s.id = id;
            s.spec = spec;
            s.name = QString::fromStdString(spec.config.name);
            s.testAccuracy =
                ui::testing::defaultValue(spec.config, QStringLiteral("test/accuracy"), spec.steps);
            m_runs.push_back(s);
        }
        writer.value().reset();
        // A run still being written (by this live process): the store refuses to delete it.
        m_liveWriter = storage::RunWriter::open(m_path).value();
        SeedRun live;
        live.config = ui::testing::seedConfig("adalfl", 99);
        live.config.name = "zz-live";
        live.status = storage::RunStatus::Running;
        QString error;
        m_liveRun = ui::testing::seedRun(*m_liveWriter, live, &error);
        QVERIFY2(m_liveRun > 0, qPrintable(error));
    }

    void cleanupTestCase() { m_liveWriter.reset(); }

    void listsEveryRunWithItsColumns() {
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        RunTableModel* model = browser.model();
        QCOMPARE(model->rowCount(), 13);
        QCOMPARE(model->totalRuns(), qint64{13});
        // Newest first by default.
        QCOMPARE(model->runId(0), m_liveRun);
        QCOMPARE(model->runId(12), m_runs.first().id);

        const Seeded& r = m_runs.at(8);  // mnist, cross_entropy, baseline, 3 warnings, 28 steps
        const int row = model->rowOf(r.id);
        QVERIFY(row >= 0);
        auto text = [&](int column) { return model->data(model->index(row, column)).toString(); };
        QCOMPARE(text(RunTableModel::Name), r.name);
        QCOMPARE(text(RunTableModel::Method), QStringLiteral("cross_entropy"));
        QCOMPARE(text(RunTableModel::Model), QStringLiteral("mlp"));
        QCOMPARE(text(RunTableModel::Dataset), QStringLiteral("mnist"));
        QCOMPARE(text(RunTableModel::Status), QStringLiteral("finished"));
        QCOMPARE(text(RunTableModel::Seed), QStringLiteral("8"));
        QCOMPARE(text(RunTableModel::Steps), QStringLiteral("28"));
        QCOMPARE(text(RunTableModel::TestAccuracy),
                 QStringLiteral("%1%").arg(r.testAccuracy * 100, 0, 'f', 2));
        QCOMPARE(text(RunTableModel::Warnings), QStringLiteral("\u26a0 3"));
        QCOMPARE(text(RunTableModel::Tags), QStringLiteral("baseline"));
        QCOMPARE(model->data(model->index(model->rowOf(m_runs.at(4).id), RunTableModel::Warnings))
                     .toString(),
                 QStringLiteral("\u26a0 2"));
        QCOMPARE(model->data(model->index(model->rowOf(m_runs.at(0).id), RunTableModel::Tags))
                     .toString(),
                 QStringLiteral("baseline, paper"));
        QVERIFY(!text(RunTableModel::Duration).isEmpty());
        QVERIFY(!text(RunTableModel::Created).isEmpty());
        // Runs without warnings show nothing there.
        QCOMPARE(model->data(model->index(model->rowOf(m_runs.at(1).id), RunTableModel::Warnings))
                     .toString(),
                 QString());
        QCOMPARE(model
                     ->data(model->index(model->rowOf(m_runs.at(5).id), RunTableModel::Status),
                            Qt::ToolTipRole)
                     .toString(),
                 QStringLiteral("error: something broke"));
        // Filter menus hold the store's values.
        QCOMPARE(browser.methodFilter()->count(), 4);  // any + 3
        QVERIFY(browser.tagFilter()->findData(QStringLiteral("baseline")) > 0);
        QVERIFY(browser.statusFilter()->findData(QStringLiteral("diverged")) > 0);
    }

    // Runs another process records appear without Refresh, the selection kept (issue 23).
    void runsOtherWritersCommitAppearWithoutRefresh() {
        const QString path = m_dir.filePath(QStringLiteral("watched.sqlite"));
        auto add = [&](const QString& name) {
            auto writer = storage::RunWriter::open(path);  // its own connection, as a CLI's
            QVERIFY2(writer.ok(), qPrintable(writer.error()));
            storage::NewRun run;
            run.name = name;
            QVERIFY(writer.value()->createRun(run).ok());
            QVERIFY(writer.value()->finishRun(storage::RunStatus::Finished));
        };
        add(QStringLiteral("first"));
        add(QStringLiteral("second"));
        ui::StoreSession session;
        QVERIFY(session.open(path).ok());
        ui::RunsBrowser browser(&session);
        browser.setWatchInterval(50);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        QCOMPARE(browser.model()->rowCount(), 2);
        const qint64 second = browser.model()->runId(0);
        browser.selectRuns({second});
        add(QStringLiteral("from the CLI"));
        QTRY_COMPARE(browser.model()->rowCount(), 3);
        QCOMPARE(browser.model()->data(browser.model()->index(0, RunTableModel::Name)).toString(),
                 QStringLiteral("from the CLI"));
        QCOMPARE(browser.selectedRunIds(), QVector<qint64>{second});
        // Hidden, it waits: shown again, it is up to date at once.
        browser.hide();
        add(QStringLiteral("while hidden"));
        QTest::qWait(200);
        QCOMPARE(browser.model()->rowCount(), 3);
        browser.show();
        QCOMPARE(browser.model()->rowCount(), 4);
        QCOMPARE(browser.selectedRunIds(), QVector<qint64>{second});
    }

    void pagesAreFetchedAsTheViewNeedsThem() {
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        RunTableModel model(&session);
        model.setPageSize(5);
        model.refresh();
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.totalRuns(), qint64{13});
        QVERIFY(model.canFetchMore({}));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.fetchMore({});
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(inserted.count(), 1);
        model.fetchAll();
        QCOMPARE(model.rowCount(), 13);
        QVERIFY(!model.canFetchMore({}));
        // Pages tile the list: no run twice, none missing.
        QVector<qint64> all = rows(&model);
        QCOMPARE(sorted(all), sorted(expected([](const Seeded&) { return true; }) << m_liveRun));
    }

    void searchAndFiltersGiveExactlyTheMatchingRows() {
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        RunTableModel* model = browser.model();
        auto choose = [](QComboBox* box, const QString& value) {
            box->setCurrentIndex(box->findData(value));
        };

        // Typing filters after a short pause (name, notes or tags; case-insensitive).
        QTest::keyClicks(browser.searchEdit(), QStringLiteral("spike"));
        QTRY_COMPARE(rows(model), expected([](const Seeded& s) {
                         return s.spec.notes.contains(QLatin1String("SPIKE"));
                     }));
        browser.searchEdit()->clear();
        browser.searchEdit()->setText(QStringLiteral("-ml3"));
        browser.applyFilter();
        QCOMPARE(sorted(rows(model)),
                 sorted(expected([](const Seeded& s) { return s.spec.config.method == "ml3"; })));
        browser.searchEdit()->setText(QStringLiteral("baseline"));  // a tag
        browser.applyFilter();
        QCOMPARE(sorted(rows(model)), sorted(expected([](const Seeded& s) {
                     return s.spec.tags.contains(QStringLiteral("baseline"));
                 })));
        browser.searchEdit()->clear();

        choose(browser.methodFilter(), QStringLiteral("adalfl"));
        browser.applyFilter();
        QCOMPARE(sorted(rows(model)),
                 sorted(expected([](const Seeded& s) { return s.spec.config.method == "adalfl"; })
                        << m_liveRun));
        choose(browser.datasetFilter(), QStringLiteral("mnist"));
        browser.applyFilter();
        QCOMPARE(sorted(rows(model)), sorted(expected([](const Seeded& s) {
                     return s.spec.config.method == "adalfl" && s.spec.config.data.name == "mnist";
                 })));
        choose(browser.methodFilter(), QString());
        choose(browser.datasetFilter(), QString());
        choose(browser.modelFilter(), QStringLiteral("lenet5"));
        choose(browser.tagFilter(), QStringLiteral("paper"));
        browser.applyFilter();
        QCOMPARE(sorted(rows(model)), sorted(expected([](const Seeded& s) {
                     return s.spec.config.model.name == "lenet5" &&
                            s.spec.tags.contains(QStringLiteral("paper"));
                 })));
        QVERIFY(!rows(model).isEmpty());
        choose(browser.modelFilter(), QString());
        choose(browser.tagFilter(), QString());
        choose(browser.statusFilter(), QStringLiteral("stopped"));
        browser.applyFilter();
        QCOMPARE(rows(model), (QVector<qint64>{m_runs.at(3).id}));
        choose(browser.statusFilter(), QStringLiteral("running"));
        browser.applyFilter();
        QCOMPARE(rows(model), (QVector<qint64>{m_liveRun}));
        choose(browser.statusFilter(), QString());
        browser.applyFilter();
        QCOMPARE(model->rowCount(), 13);
    }

    void headerClicksSortInTheStore() {
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        browser.resize(1200, 600);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        RunTableModel* model = browser.model();
        QHeaderView* header = browser.table()->horizontalHeader();
        auto clickHeader = [&](int column) {
            const int x = header->sectionViewportPosition(column) + header->sectionSize(column) / 2;
            QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, 5));
        };
        QVector<Seeded> all = m_runs;

        // Name: ascending on the first click, descending on the second.
        clickHeader(RunTableModel::Name);
        QCOMPARE(model->sortColumn(), int(RunTableModel::Name));
        QCOMPARE(model->sortOrder(), Qt::AscendingOrder);
        std::sort(all.begin(), all.end(),
                  [](const Seeded& a, const Seeded& b) { return a.name < b.name; });
        QVector<qint64> byName;
        for (const Seeded& s : all) {
            byName << s.id;
        }
        byName << m_liveRun;  // "zz-live"
        QCOMPARE(rows(model), byName);
        clickHeader(RunTableModel::Name);
        QCOMPARE(model->sortOrder(), Qt::DescendingOrder);
        std::reverse(byName.begin(), byName.end());
        QCOMPARE(rows(model), byName);

        // Final test accuracy, best first; a run without it comes last.
        browser.sortBy(RunTableModel::TestAccuracy, Qt::DescendingOrder);
        std::sort(all.begin(), all.end(),
                  [](const Seeded& a, const Seeded& b) { return a.testAccuracy > b.testAccuracy; });
        QVector<qint64> byAccuracy;
        for (const Seeded& s : all) {
            byAccuracy << s.id;
        }
        // The live run's accuracy is seeded too (seed 99: the lowest).
        byAccuracy << m_liveRun;
        QCOMPARE(rows(model), byAccuracy);
        QCOMPARE(header->sortIndicatorSection(), int(RunTableModel::TestAccuracy));

        // Seed ascending.
        browser.sortBy(RunTableModel::Seed, Qt::AscendingOrder);
        QVector<qint64> bySeed = expected([](const Seeded&) { return true; });
        bySeed << m_liveRun;
        QCOMPARE(rows(model), bySeed);

        // A column the store cannot order by changes nothing, and the indicator stays.
        clickHeader(RunTableModel::Tags);
        QCOMPARE(rows(model), bySeed);
        QCOMPARE(header->sortIndicatorSection(), int(RunTableModel::Seed));
        QCOMPARE(model->sortColumn(), int(RunTableModel::Seed));

        // Sorting keeps the filter.
        browser.methodFilter()->setCurrentIndex(
            browser.methodFilter()->findData(QStringLiteral("cross_entropy")));
        browser.applyFilter();
        browser.sortBy(RunTableModel::Seed, Qt::DescendingOrder);
        QVector<qint64> ce =
            expected([](const Seeded& s) { return s.spec.config.method == "cross_entropy"; });
        std::reverse(ce.begin(), ce.end());
        QCOMPARE(rows(model), ce);
    }

    void namesTagsAndNotesAreEditedInTheStore() {
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        RunTableModel* model = browser.model();
        const qint64 id = m_runs.at(4).id;
        const int row = model->rowOf(id);
        QVERIFY(model->flags(model->index(row, RunTableModel::Tags)) & Qt::ItemIsEditable);
        QVERIFY(!(model->flags(model->index(row, RunTableModel::Method)) & Qt::ItemIsEditable));

        // In place (what the F2 editor commits).
        QVERIFY(model->setData(model->index(row, RunTableModel::Tags),
                               QStringLiteral(" keep , paper,keep,, ")));
        QVERIFY(model->setData(model->index(row, RunTableModel::Notes),
                               QStringLiteral("first line\nsecond")));
        auto reader = storage::RunReader::open(m_path).value();
        QCOMPARE(reader->run(id).value().tags,
                 (QStringList{QStringLiteral("keep"), QStringLiteral("paper")}));
        QCOMPARE(reader->run(id).value().notes, QStringLiteral("first line\nsecond"));
        QCOMPARE(model->data(model->index(row, RunTableModel::Tags)).toString(),
                 QStringLiteral("keep, paper"));
        QCOMPARE(model->data(model->index(row, RunTableModel::Notes)).toString(),
                 QStringLiteral("first line"));

        // With the editor: F2 on the name cell, type, Enter.
        browser.selectRuns({id});
        browser.table()->setCurrentIndex(model->index(row, RunTableModel::Name));
        browser.table()->setFocus();
        QTest::keyClick(browser.table(), Qt::Key_F2);
        auto* editor = browser.table()->viewport()->findChild<QLineEdit*>();
        QVERIFY(editor != nullptr);
        editor->selectAll();
        QTest::keyClicks(editor, QStringLiteral("renamed-run"));
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(reader->run(id).value().name, QStringLiteral("renamed-run"));

        // The side panel.
        browser.selectRuns({id});
        auto* tags = browser.findChild<QLineEdit*>(QStringLiteral("tagsEdit"));
        auto* notes = browser.findChild<QPlainTextEdit*>(QStringLiteral("notesEdit"));
        QCOMPARE(tags->text(), QStringLiteral("keep, paper"));
        tags->setText(QStringLiteral("side, panel"));
        notes->setPlainText(QStringLiteral("edited in the side panel"));
        browser.findChild<QPushButton*>(QStringLiteral("saveDetailsButton"))->click();
        QCOMPARE(reader->run(id).value().tags,
                 (QStringList{QStringLiteral("panel"), QStringLiteral("side")}));
        QCOMPARE(reader->run(id).value().notes, QStringLiteral("edited in the side panel"));
        QVERIFY(browser.tagFilter()->findData(QStringLiteral("side")) > 0);

        // Put the seed's values back for the other tests.
        QVERIFY(reader->setName(id, m_runs.at(4).name).ok());
        QVERIFY(reader->setTags(id, m_runs.at(4).spec.tags).ok());
        QVERIFY(reader->setNotes(id, m_runs.at(4).spec.notes).ok());
    }

    void exportRunsInTheBackgroundAndWritesWhatTheStoreWould() {
        // Exporting runs on the GUI thread froze the window for 1-2 s a full run: it now runs on
        // a worker with its own connection, and the file is what storage's export writes.
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        QTemporaryDir dir;
        const QVector<qint64> ids{m_runs.at(0).id, m_runs.at(2).id, m_runs.at(5).id};
        for (const bool json : {false, true}) {
            const QString path = dir.filePath(json ? QStringLiteral("runs.json")
                                                   : QStringLiteral("runs.csv"));
            QSignalSpy finished(&browser, &ui::RunsBrowser::exportFinished);
            browser.selectRuns(ids);
            auto* button = browser.findChild<QPushButton*>(QStringLiteral("exportRunsButton"));
            QVERIFY(button->isEnabled());
            QVERIFY(browser.exportRuns(ids, path, json));
            // Returned before the end (the end is delivered through the event loop), and one
            // export at a time.
            QCOMPARE(finished.count(), 0);
            QVERIFY(browser.isBusy());
            QVERIFY(!button->isEnabled());
            QVERIFY(!browser.exportRuns(ids, path, json));
            QVERIFY(finished.wait(60000));
            QCOMPARE(finished.count(), 1);
            QCOMPARE(finished.at(0).at(0).toString(), path);
            QCOMPARE(finished.at(0).at(1).toString(), QString());
            QVERIFY(!browser.isBusy());
            QVERIFY(button->isEnabled());

            const QString expected = dir.filePath(QStringLiteral("expected"));
            auto reader = storage::RunReader::open(m_path, storage::OpenMode::ReadOnly).value();
            QVERIFY(storage::exportRunsToFile(*reader,
                                              ids,
                                              json ? storage::ExportFormat::Json
                                                   : storage::ExportFormat::Csv,
                                              expected)
                        .ok());
            QFile got(path);
            QFile want(expected);
            QVERIFY(got.open(QIODevice::ReadOnly) && want.open(QIODevice::ReadOnly));
            const QByteArray bytes = got.readAll();
            QVERIFY(bytes.size() > 100);
            if (json) {  // the same but for the export's own time stamp
                QJsonObject a = QJsonDocument::fromJson(bytes).object();
                QJsonObject b = QJsonDocument::fromJson(want.readAll()).object();
                QVERIFY(a.contains(QStringLiteral("exported_at")));
                a.remove(QStringLiteral("exported_at"));
                b.remove(QStringLiteral("exported_at"));
                QCOMPARE(a.value(QStringLiteral("runs")).toArray().size(), 3);
                QCOMPARE(a, b);
            } else {
                QCOMPARE(bytes, want.readAll());
            }
        }
        QVERIFY(QApplication::overrideCursor() == nullptr);  // the busy cursor is gone

        // No other store while a job runs: its end would report to, and refresh, that store.
        QVERIFY(browser.exportRuns(ids, dir.filePath(QStringLiteral("again.csv")), false));
        QVERIFY(!browser.openStore(m_path));
        QMessageBox* busy = dialog(&browser, "storeError");
        QVERIFY(busy != nullptr);
        QVERIFY2(busy->text().contains(QLatin1String("still running")), qPrintable(busy->text()));
        busy->button(QMessageBox::Ok)->click();
        QSignalSpy again(&browser, &ui::RunsBrowser::exportFinished);
        QVERIFY(again.wait(60000));

        // A file that cannot be written: the store's message in a dialog, the button back.
        QVERIFY(browser.exportRuns(ids, dir.filePath(QStringLiteral("no/such/dir/x.csv")), false));
        QSignalSpy failed(&browser, &ui::RunsBrowser::exportFinished);
        QVERIFY(failed.wait(60000));
        QVERIFY(!failed.at(0).at(1).toString().isEmpty());
        QMessageBox* error = dialog(&browser, "exportError");
        QVERIFY(error != nullptr);
        error->button(QMessageBox::Ok)->click();
        QVERIFY(!browser.isBusy());
    }

    void closingTheBrowserMidExportFinishesTheFile() {
        // The browser (the window) closed while an export runs: its destructor waits, the file is
        // complete, and the busy cursor is restored.
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("closing.csv"));
        const QVector<qint64> ids{m_runs.at(0).id, m_runs.at(1).id};
        {
            ui::RunsBrowser browser(&session);
            QVERIFY(browser.exportRuns(ids, path, false));
        }
        QVERIFY(QApplication::overrideCursor() == nullptr);
        const QString expected = dir.filePath(QStringLiteral("expected.csv"));
        auto reader = storage::RunReader::open(m_path, storage::OpenMode::ReadOnly).value();
        QVERIFY(storage::exportRunsToFile(*reader, ids, storage::ExportFormat::Csv, expected).ok());
        QFile got(path);
        QFile want(expected);
        QVERIFY(got.open(QIODevice::ReadOnly) && want.open(QIODevice::ReadOnly));
        QCOMPARE(got.readAll(), want.readAll());
    }

    void deletingAsksAndRefusesARunBeingWritten() {
        // A copy of the store, so the other tests keep their runs.
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("copy.sqlite"));
        QVERIFY(QFile::copy(m_path, copy));
        if (QFile::exists(m_path + QStringLiteral("-wal"))) {
            QVERIFY(QFile::copy(m_path + QStringLiteral("-wal"), copy + QStringLiteral("-wal")));
        }
        ui::StoreSession session;
        QVERIFY2(session.open(copy).ok(), qPrintable(session.path()));
        ui::RunsBrowser browser(&session);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        RunTableModel* model = browser.model();
        QCOMPARE(model->rowCount(), 13);

        // Cancel keeps the run.
        browser.selectRuns({m_runs.at(0).id});
        browser.findChild<QPushButton*>(QStringLiteral("deleteRunsButton"))->click();
        QMessageBox* box = dialog(&browser, "deleteConfirmation");
        QVERIFY(box != nullptr);
        box->button(QMessageBox::Cancel)->click();
        QCOMPARE(model->rowCount(), 13);

        // The run a live process is writing (the copy keeps its writer's identity): refused,
        // the store's message shown, nothing deleted.
        browser.selectRuns({m_liveRun, m_runs.at(1).id});
        browser.deleteSelected();
        box = dialog(&browser, "deleteConfirmation");
        QVERIFY(box != nullptr);
        box->button(QMessageBox::Yes)->click();
        QMessageBox* refused = dialog(&browser, "deleteError");
        QVERIFY(refused != nullptr);
        QVERIFY2(refused->text().contains(QLatin1String("still being written")),
                 qPrintable(refused->text()));
        refused->button(QMessageBox::Ok)->click();
        QCOMPARE(model->rowCount(), 13);

        // Yes deletes.
        browser.selectRuns({m_runs.at(0).id, m_runs.at(1).id});
        browser.deleteSelected();
        box = dialog(&browser, "deleteConfirmation");
        QVERIFY(box != nullptr);
        QSignalSpy deleted(&browser, &ui::RunsBrowser::runsDeleted);
        box->button(QMessageBox::Yes)->click();
        // On a worker (a full run's cascade takes about half a second): nothing blocks, and
        // Delete and Export wait for it.
        QVERIFY(browser.isBusy());
        QVERIFY(!browser.findChild<QPushButton*>(QStringLiteral("deleteRunsButton"))->isEnabled());
        QVERIFY(!browser.findChild<QPushButton*>(QStringLiteral("exportRunsButton"))->isEnabled());
        QTRY_COMPARE(deleted.count(), 1);
        QVERIFY(!browser.isBusy());
        QCOMPARE(model->rowCount(), 11);
        QCOMPARE(model->rowOf(m_runs.at(0).id), -1);
        QCOMPARE(session.reader()->run(m_runs.at(1).id).code(), storage::ErrorCode::NotFound);
    }

    // Issue 23: SQLite's own words ("database is locked Unable to fetch row") reached the Runs
    // tab alone; a sentence saying what to do now follows them.
    void rawSqliteErrorsSayWhatToDo_data() {
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("advice");
        QTest::newRow("locked") << QStringLiteral("database is locked Unable to fetch row")
                                << QStringLiteral("try again in a moment");
        QTest::newRow("read-only")
            << QStringLiteral("attempt to write a readonly database Unable to fetch row")
            << QStringLiteral("permissions");
        QTest::newRow("damaged") << QStringLiteral("database disk image is malformed")
                                 << QStringLiteral("restore this one from a copy");
        QTest::newRow("full") << QStringLiteral("database or disk is full Unable to fetch row")
                              << QStringLiteral("free some space");
        QTest::newRow("other version") << QStringLiteral("no such column: r.tags Unable to execute")
                                       << QStringLiteral("another version of LossStudio");
    }
    void rawSqliteErrorsSayWhatToDo() {
        QFETCH(QString, error);
        QFETCH(QString, advice);
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        QSignalSpy messages(&browser, &ui::RunsBrowser::message);
        Q_EMIT browser.model()->queryFailed(error);  // as a failed page query reports it
        QCOMPARE(messages.count(), 1);
        const QString shown = messages.at(0).at(0).toString();
        QVERIFY2(shown.contains(error) && shown.contains(advice), qPrintable(shown));
        QVERIFY(ui::storeErrorAdvice(QStringLiteral("the run is still being written")).isEmpty());
    }

    void aBadStoreFileShowsTheErrorAndKeepsTheOpenStore() {
        ui::StoreSession session;
        QVERIFY(session.open(m_path).ok());
        ui::RunsBrowser browser(&session);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        QTemporaryDir dir;
        const QString junk = dir.filePath(QStringLiteral("notes.sqlite"));
        {
            QFile file(junk);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("this is not a database, just some text\n");
        }
        const QByteArray before = [&] {
            QFile f(junk);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        QVERIFY(!browser.openStore(junk));
        QMessageBox* box = dialog(&browser, "storeError");
        QVERIFY(box != nullptr);
        QVERIFY2(box->text().contains(junk), qPrintable(box->text()));
        box->button(QMessageBox::Ok)->click();
        QCOMPARE(session.path(), m_path);
        QCOMPARE(browser.model()->rowCount(), 13);
        QFile after(junk);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), before);  // untouched

        // Another real store replaces the table.
        const QString other = dir.filePath(QStringLiteral("other.sqlite"));
        {
            auto writer = storage::RunWriter::open(other).value();
            SeedRun spec;
            spec.config = ui::testing::seedConfig("ml3", 5);
            spec.config.name = "only-run";
            QVERIFY(ui::testing::seedRun(*writer, spec) > 0);
        }
        QVERIFY(browser.openStore(other));
        QCOMPARE(session.path(), other);
        QCOMPARE(browser.model()->rowCount(), 1);
        QCOMPARE(browser.model()->record(0).name, QStringLiteral("only-run"));
        QCOMPARE(browser.methodFilter()->count(), 2);
    }

    void theWindowOpensForksAndComparesFromTheBrowser() {
        qputenv("LOSSSTUDIO_FASHION_MNIST", m_dir.path().toUtf8());
        ui::MainWindow window{core::Engine{}};
        window.setStorePath(m_path);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::RunsBrowser* browser = window.runsBrowser();
        QCOMPARE(browser->model()->rowCount(), 13);
        window.tabs()->setCurrentWidget(browser);

        // Enter on a row replays it.
        const Seeded& r = m_runs.at(2);
        browser->selectRuns({r.id});
        browser->table()->setFocus();
        QTest::keyClick(browser->table(), Qt::Key_Return);
        QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.replayView()));
        QCOMPARE(window.replayView()->runId(), r.id);
        QCOMPARE(window.replayView()->data()->series(QStringLiteral("train/loss")).steps.size(),
                 qsizetype(r.spec.steps));
        // A run whose stored config this build refuses (mnist without its folder) still replays.
        QVERIFY(window.openStoredRun(m_runs.at(8).id));
        QCOMPARE(window.replayView()->data()->series(QStringLiteral("train/loss")).steps.size(),
                 qsizetype(m_runs.at(8).spec.steps));
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("replayHeader"))
                    ->text()
                    .contains(QLatin1String("data.path")));

        // Resume is offered for a stopped run only (and only with a resume loader).
        auto* resume = browser->findChild<QPushButton*>(QStringLiteral("resumeRunButton"));
        browser->selectRuns({m_runs.at(3).id});
        QVERIFY(!resume->isEnabled());  // no loader in this window
        window.setResumeLoader([](const QString&, const QString&) {
            return core::Result<ui::ResumeRequest>(core::Error{"not in this test"});
        });
        QVERIFY(resume->isEnabled());
        browser->selectRuns({m_runs.at(2).id});
        QVERIFY(!resume->isEnabled());  // finished

        // Fork copies the config under a new name.
        browser->findChild<QPushButton*>(QStringLiteral("forkRunButton"))->click();
        const core::RunConfig forked = window.experimentPanel()->config();
        QCOMPARE(QString::fromStdString(forked.name), r.name + QStringLiteral("-fork"));
        core::RunConfig expectedConfig = r.spec.config;
        expectedConfig.name = forked.name;
        QCOMPARE(QString::fromStdString(core::toJson(forked)),
                 QString::fromStdString(core::toJson(expectedConfig)));

        // Compare the selection.
        browser->selectRuns({m_runs.at(0).id, m_runs.at(1).id, m_runs.at(2).id});
        browser->findChild<QPushButton*>(QStringLiteral("compareRunsButton"))->click();
        QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.compareView()));
        QCOMPARE(window.compareView()->runIds().size(), 3);
    }
};

QTEST_MAIN(TestRunsBrowser)
#include "test_runs_browser.moc"
