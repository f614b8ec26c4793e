#include <QProcess>
#include <QtTest>

#include "app_common.h"

class TestVersion final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cliVersionNamesQtTorchAndBlas() {
        QProcess cli;
        cli.start(QStringLiteral(LOSSSTUDIO_CLI_PATH), {QStringLiteral("--version")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QString out = QString::fromUtf8(cli.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral("lossstudio-cli")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Qt 6.")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("LibTorch 1.")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("BLAS: ")), qPrintable(out));
        // The machine is set up with an optimised BLAS; the reference one is a set-up bug.
        QVERIFY2(!out.contains(QStringLiteral("reference BLAS")), qPrintable(out));
    }
};

QTEST_GUILESS_MAIN(TestVersion)
#include "test_version.moc"
