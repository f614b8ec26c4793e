// Dataset readers, splits, normalisation and batching on tiny hand-made files.
#include <QtTest>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <torch/types.h>
#include <zlib.h>

#include "data/dataset.h"
#include "data/raw_readers.h"
#include "lossstudio/core/paths.h"
#include "lossstudio/core/run_config.h"

namespace data = lossstudio::core::data;
using Bytes = std::vector<std::uint8_t>;

namespace {

void appendBigEndian(Bytes& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

Bytes idxImages(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels) {
    Bytes out;
    appendBigEndian(out, 0x00000803);
    appendBigEndian(out, count);
    appendBigEndian(out, rows);
    appendBigEndian(out, cols);
    out.insert(out.end(), pixels.begin(), pixels.end());
    return out;
}

Bytes idxLabels(const Bytes& labels) {
    Bytes out;
    appendBigEndian(out, 0x00000801);
    appendBigEndian(out, static_cast<std::uint32_t>(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

std::string writeFile(const QTemporaryDir& dir, const std::string& name, const Bytes& bytes) {
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string writeText(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
    return writeFile(dir, name, Bytes(text.begin(), text.end()));
}

std::string writeGzip(const QTemporaryDir& dir, const std::string& name, const Bytes& bytes) {
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return path;
}

Bytes readBack(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Three 2x3 images with hand-chosen pixels; pixel (r, c) of image i is kPixels[i*6 + r*3 + c].
const Bytes kPixels = {0,  255, 51, 102, 153, 204,  //
                       1,  2,   3,  4,   5,   6,    //
                       10, 20,  30, 40,  50,  255};
const Bytes kLabels = {2, 0, 9};

std::vector<std::int64_t> toVector(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kLong).contiguous();
    return std::vector<std::int64_t>(c.data_ptr<std::int64_t>(),
                                     c.data_ptr<std::int64_t>() + c.numel());
}

std::vector<std::int64_t> perClass(const torch::Tensor& labels, int classes) {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(classes), 0);
    for (std::int64_t v : toVector(labels)) {
        ++counts[static_cast<std::size_t>(v)];
    }
    return counts;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A record of a CIFAR batch: label byte(s), then 3x32x32 pixels with marks at known places.
Bytes cifarRecord(const Bytes& labelBytes, std::uint8_t mark) {
    Bytes r = labelBytes;
    Bytes pixels(3 * 1024, 0);
    pixels[0] = mark;                        // red (0, 0)
    pixels[1024 + 1] = mark + 1;             // green (0, 1)
    pixels[2048 + 31 * 32 + 31] = mark + 2;  // blue (31, 31)
    r.insert(r.end(), pixels.begin(), pixels.end());
    return r;
}

}  // namespace

class TestData final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // --- IDX ---------------------------------------------------------------------------------

    void idxReadsHandChosenPixels_data() {
        // clang-format off
        QTest::addColumn<bool>("gzipImages");
        QTest::addColumn<bool>("gzipLabels");
        QTest::addColumn<QString>("imagesName");
        QTest::newRow("raw") << false << false << "images-idx3-ubyte";
        QTest::newRow("gzip") << true << true << "images-idx3-ubyte.gz";
        // Content decides, not the name.
        QTest::newRow("gzip without .gz") << true << false << "images.bin";
        QTest::newRow("raw named .gz") << false << true << "images-idx3-ubyte.gz";
        // clang-format on
    }
    void idxReadsHandChosenPixels() {
        QFETCH(bool, gzipImages);
        QFETCH(bool, gzipLabels);
        QFETCH(QString, imagesName);
        QTemporaryDir dir;
        const Bytes images = idxImages(3, 2, 3, kPixels);
        const std::string imagesPath = gzipImages
                                           ? writeGzip(dir, imagesName.toStdString(), images)
                                           : writeFile(dir, imagesName.toStdString(), images);
        const std::string labelsPath = gzipLabels ? writeGzip(dir, "labels", idxLabels(kLabels))
                                                  : writeFile(dir, "labels", idxLabels(kLabels));
        auto result = data::readIdx(imagesPath, labelsPath);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().c_str());
        const auto& ds = result.value();
        QCOMPARE(ds.inputs.sizes().vec(), (std::vector<std::int64_t>{3, 1, 2, 3}));
        QCOMPARE(ds.inputs.scalar_type(), torch::kFloat);
        QCOMPARE(toVector(ds.labels), (std::vector<std::int64_t>{2, 0, 9}));
        for (int i = 0; i < 3; ++i) {
            for (int r = 0; r < 2; ++r) {
                for (int c = 0; c < 3; ++c) {
                    const float expected = static_cast<float>(kPixels[i * 6 + r * 3 + c] / 255.0);
                    QCOMPARE(ds.inputs[i][0][r][c].item<float>(), expected);
                }
            }
        }
    }

    void idxFolderFindsBothSpellings() {
        QTemporaryDir dir;
        writeGzip(dir, "train-images-idx3-ubyte.gz", idxImages(3, 2, 3, kPixels));
        writeGzip(dir, "train-labels-idx1-ubyte.gz", idxLabels(kLabels));
        writeFile(dir, "t10k-images.idx3-ubyte", idxImages(1, 2, 3, Bytes(6, 255)));
        writeFile(dir, "t10k-labels.idx1-ubyte", idxLabels({7}));
        auto train = data::readIdxFolder(dir.path().toStdString(), /*train=*/true);
        QVERIFY2(train.ok(), train.ok() ? "" : train.error().c_str());
        QCOMPARE(train.value().size(), std::int64_t{3});
        auto test = data::readIdxFolder(dir.path().toStdString(), /*train=*/false);
        QVERIFY2(test.ok(), test.ok() ? "" : test.error().c_str());
        QCOMPARE(toVector(test.value().labels), (std::vector<std::int64_t>{7}));
        QCOMPARE(test.value().inputs[0][0][1][2].item<float>(), 1.0f);
    }

    void idxFolderMissingNamesFolderAndFiles() {
        QTemporaryDir dir;
        writeGzip(dir, "train-labels-idx1-ubyte.gz", idxLabels(kLabels));
        auto result = data::readIdxFolder(dir.path().toStdString(), /*train=*/true);
        QVERIFY(!result.ok());
        const std::string& e = result.error();
        QVERIFY2(contains(e, dir.path().toStdString()), e.c_str());
        QVERIFY2(contains(e, "train-images-idx3-ubyte.gz"), e.c_str());
        QVERIFY2(contains(e, "train-images.idx3-ubyte"), e.c_str());

        auto noFolder = data::readIdxFolder(dir.filePath("nowhere").toStdString(), true);
        QVERIFY(!noFolder.ok());
        QVERIFY2(contains(noFolder.error(), "nowhere"), noFolder.error().c_str());
    }

    void idxErrorsNameTheFile_data() {
        // clang-format off
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("badFile");
        QTest::addColumn<QString>("mustContain");
        QTest::newRow("wrong magic") << "magic" << "imgs" << "wrong magic number 0x00000804";
        QTest::newRow("labels as images") << "swapped" << "imgs" << "is an IDX labels file";
        QTest::newRow("truncated") << "truncated" << "imgs"
                                   << "truncated: header says 3 images of 2x3 (18 bytes) but the "
                                      "file holds 10 bytes";
        QTest::newRow("truncated gzip") << "truncatedGzip" << "imgs.gz" << "truncated";
        QTest::newRow("bytes after gzip") << "afterGzip" << "imgs.gz"
                                          << "7 bytes after the end of the gzip data";
        QTest::newRow("short header") << "shortHeader" << "imgs" << "IDX images header";
        // rows * cols overflowed int64 here (found by fuzz_idx_gzip) and passed the size check.
        QTest::newRow("huge dimensions") << "hugeDimensions" << "imgs"
                                         << "4294901761x4261478397 pixels, which cannot be right";
        QTest::newRow("trailing bytes") << "trailing" << "imgs" << "4 bytes more";
        QTest::newRow("count mismatch") << "count" << "lbls" << "holds 4 labels";
        QTest::newRow("label out of range") << "label" << "lbls"
                                            << "label 12 at index 1 is out of range 0..9";
        // clang-format on
    }
    void idxErrorsNameTheFile() {
        QFETCH(QString, kind);
        QFETCH(QString, badFile);
        QFETCH(QString, mustContain);
        QTemporaryDir dir;
        Bytes images = idxImages(3, 2, 3, kPixels);
        Bytes labels = idxLabels(kLabels);
        std::string imagesPath = writeFile(dir, "imgs", images);
        std::string labelsPath = writeFile(dir, "lbls", labels);
        if (kind == "magic") {
            images[3] = 0x04;
            imagesPath = writeFile(dir, "imgs", images);
        } else if (kind == "swapped") {
            imagesPath = writeFile(dir, "imgs", labels);
        } else if (kind == "truncated") {
            images.resize(16 + 10);
            imagesPath = writeFile(dir, "imgs", images);
        } else if (kind == "truncatedGzip") {
            Bytes big;
            for (int i = 0; i < 50 * 784; ++i) {
                big.push_back(static_cast<std::uint8_t>((i * 7919) % 251));
            }
            const std::string full = writeGzip(dir, "imgs.gz", idxImages(50, 28, 28, big));
            Bytes gz = readBack(full);
            gz.resize(gz.size() / 2);
            imagesPath = writeFile(dir, "imgs.gz", gz);
            labelsPath = writeFile(dir, "lbls", idxLabels(Bytes(50, 1)));
        } else if (kind == "afterGzip") {
            Bytes gz = readBack(writeGzip(dir, "imgs.gz", images));
            gz.insert(gz.end(), {'t', 'r', 'a', 'i', 'l', 'e', 'r'});
            imagesPath = writeFile(dir, "imgs.gz", gz);
        } else if (kind == "hugeDimensions") {
            images = idxImages(3, 2, 3, kPixels);
            const Bytes rows = {0xFF, 0xFF, 0x00, 0x01};  // 4294901761
            const Bytes cols = {0xFE, 0x00, 0xFF, 0xFD};  // 4261478397
            std::copy(rows.begin(), rows.end(), images.begin() + 8);
            std::copy(cols.begin(), cols.end(), images.begin() + 12);
            imagesPath = writeFile(dir, "imgs", images);
        } else if (kind == "shortHeader") {
            images.resize(10);
            imagesPath = writeFile(dir, "imgs", images);
        } else if (kind == "trailing") {
            images.insert(images.end(), {1, 2, 3, 4});
            imagesPath = writeFile(dir, "imgs", images);
        } else if (kind == "count") {
            labelsPath = writeFile(dir, "lbls", idxLabels({1, 2, 3, 4}));
        } else if (kind == "label") {
            labelsPath = writeFile(dir, "lbls", idxLabels({1, 12, 3}));
        }
        auto result = data::readIdx(imagesPath, labelsPath);
        QVERIFY(!result.ok());
        const std::string& e = result.error();
        QVERIFY2(contains(e, dir.filePath(badFile).toStdString()), e.c_str());
        QVERIFY2(contains(e, mustContain.toStdString()), e.c_str());
    }

    // gzip allows several members one after the other (`cat a.gz b.gz`): they read as one file.
    void concatenatedGzipMembersReadAsOneFile() {
        QTemporaryDir dir;
        const Bytes images = idxImages(3, 2, 3, kPixels);
        const Bytes head(images.begin(), images.begin() + 20);
        const Bytes tail(images.begin() + 20, images.end());
        Bytes gz = readBack(writeGzip(dir, "a.gz", head));
        const Bytes second = readBack(writeGzip(dir, "b.gz", tail));
        gz.insert(gz.end(), second.begin(), second.end());
        const std::string imagesPath = writeFile(dir, "imgs.gz", gz);
        const std::string labelsPath = writeFile(dir, "lbls", idxLabels(kLabels));
        auto result = data::readIdx(imagesPath, labelsPath);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().c_str());
    }

    void missingFileIsAnError() {
        QTemporaryDir dir;
        auto result = data::readIdx(dir.filePath("absent-images").toStdString(),
                                    dir.filePath("absent-labels").toStdString());
        QVERIFY(!result.ok());
        QVERIFY2(contains(result.error(), "absent-images"), result.error().c_str());
    }

    // --- CIFAR -------------------------------------------------------------------------------

    void cifar10ReadsLabelsAndChwPixels() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("cifar-10-batches-bin"));
        const std::string sub = "cifar-10-batches-bin/";
        // Batch b holds one record of label b, except batch 1, which holds two (labels 9, 3).
        for (int b = 1; b <= 5; ++b) {
            Bytes batch = cifarRecord({static_cast<std::uint8_t>(b == 1 ? 9 : b)},
                                      static_cast<std::uint8_t>(10 * b));
            if (b == 1) {
                const Bytes second = cifarRecord({3}, 100);
                batch.insert(batch.end(), second.begin(), second.end());
            }
            writeFile(dir, sub + "data_batch_" + std::to_string(b) + ".bin", batch);
        }
        writeFile(dir, sub + "test_batch.bin", cifarRecord({0}, 200));

        auto train = data::readCifarFolder(dir.path().toStdString(), /*cifar100=*/false, true);
        QVERIFY2(train.ok(), train.ok() ? "" : train.error().c_str());
        const auto& ds = train.value();
        QCOMPARE(ds.inputs.sizes().vec(), (std::vector<std::int64_t>{6, 3, 32, 32}));
        QCOMPARE(toVector(ds.labels), (std::vector<std::int64_t>{9, 3, 2, 3, 4, 5}));
        QCOMPARE(ds.inputs[0][0][0][0].item<float>(), static_cast<float>(10 / 255.0));
        QCOMPARE(ds.inputs[0][1][0][1].item<float>(), static_cast<float>(11 / 255.0));
        QCOMPARE(ds.inputs[0][2][31][31].item<float>(), static_cast<float>(12 / 255.0));
        QCOMPARE(ds.inputs[1][2][31][31].item<float>(), static_cast<float>(102 / 255.0));
        QCOMPARE(ds.inputs[5][1][0][1].item<float>(), static_cast<float>(51 / 255.0));
        QCOMPARE(ds.inputs[0][1][0][0].item<float>(), 0.0f);
        // Nothing else is set: the marks are all there is.
        const double total = (10 + 11 + 12) + (100 + 101 + 102) + (20 + 21 + 22) + (30 + 31 + 32) +
                             (40 + 41 + 42) + (50 + 51 + 52);
        QVERIFY(std::abs(ds.inputs.to(torch::kDouble).sum().item<double>() * 255.0 - total) < 1e-3);

        auto test = data::readCifarFolder(dir.path().toStdString(), false, /*train=*/false);
        QVERIFY2(test.ok(), test.ok() ? "" : test.error().c_str());
        QCOMPARE(toVector(test.value().labels), (std::vector<std::int64_t>{0}));
    }

    void cifar100UsesFineLabel() {
        QTemporaryDir dir;
        Bytes batch = cifarRecord({19, 99}, 1);
        const Bytes second = cifarRecord({4, 42}, 2);
        batch.insert(batch.end(), second.begin(), second.end());
        writeFile(dir, "train.bin", batch);
        writeFile(dir, "test.bin", cifarRecord({0, 7}, 3));
        auto train = data::readCifarFolder(dir.path().toStdString(), /*cifar100=*/true, true);
        QVERIFY2(train.ok(), train.ok() ? "" : train.error().c_str());
        QCOMPARE(toVector(train.value().labels), (std::vector<std::int64_t>{99, 42}));
        QCOMPARE(train.value().inputs[1][1][0][1].item<float>(), static_cast<float>(3 / 255.0));
    }

    void cifarErrorsNameTheFile() {
        QTemporaryDir dir;
        Bytes batch = cifarRecord({0, 100}, 1);  // fine label 100 is out of range
        writeFile(dir, "train.bin", batch);
        auto bad = data::readCifarFolder(dir.path().toStdString(), true, true);
        QVERIFY(!bad.ok());
        QVERIFY2(contains(bad.error(), dir.filePath("train.bin").toStdString()),
                 bad.error().c_str());
        QVERIFY2(contains(bad.error(), "fine label 100 of record 0 is out of range 0..99"),
                 bad.error().c_str());

        batch = cifarRecord({0, 1}, 1);
        batch.pop_back();
        writeFile(dir, "train.bin", batch);
        auto cut = data::readCifarFolder(dir.path().toStdString(), true, true);
        QVERIFY(!cut.ok());
        QVERIFY2(contains(cut.error(), "train.bin"), cut.error().c_str());
        QVERIFY2(contains(cut.error(), "not a whole number of 3074-byte"), cut.error().c_str());

        auto missing = data::readCifarFolder(dir.path().toStdString(), false, true);
        QVERIFY(!missing.ok());
        QVERIFY2(contains(missing.error(), dir.path().toStdString()), missing.error().c_str());
        QVERIFY2(contains(missing.error(), "data_batch_1.bin"), missing.error().c_str());
    }

    // --- CSV ---------------------------------------------------------------------------------

    void csvWithHeaderAndLabelInTheMiddle() {
        QTemporaryDir dir;
        const std::string path = writeText(dir, "iris.csv",
                                           "width, species ,height\r\n"
                                           "1.5,2,3\r\n"
                                           "\r\n"
                                           " -1 , 0 , 4e2\r\n"
                                           "\"0.25\",1.0,+7\n");
        auto result = data::readCsv(path, /*labelColumn=*/1, /*header=*/true);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().c_str());
        const auto& ds = result.value();
        QCOMPARE(ds.inputs.sizes().vec(), (std::vector<std::int64_t>{3, 2}));
        QCOMPARE(toVector(ds.labels), (std::vector<std::int64_t>{2, 0, 1}));
        QCOMPARE(ds.inputs[0][0].item<float>(), 1.5f);
        QCOMPARE(ds.inputs[0][1].item<float>(), 3.0f);
        QCOMPARE(ds.inputs[1][0].item<float>(), -1.0f);
        QCOMPARE(ds.inputs[1][1].item<float>(), 400.0f);
        QCOMPARE(ds.inputs[2][0].item<float>(), 0.25f);
        QCOMPARE(ds.inputs[2][1].item<float>(), 7.0f);

        auto last = data::readCsv(writeText(dir, "plain.csv", "1;2;0\n3;4;1\n"), -1, false);
        QVERIFY2(last.ok(), last.ok() ? "" : last.error().c_str());
        QCOMPARE(toVector(last.value().labels), (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(last.value().inputs[1][1].item<float>(), 4.0f);
    }

    void csvErrorsNameLineAndColumn_data() {
        // clang-format off
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("labelColumn");
        QTest::addColumn<QString>("mustContain");
        QTest::newRow("non-numeric") << "a,label,b\n1,0,2\n3,1,xyz\n" << 1
                                     << "line 3, column 3 (\"b\"): 'xyz' is not a number";
        QTest::newRow("fractional label") << "a,label\n1,0.5\n" << -1
                                          << "line 2, column 2 (\"label\"): '0.5' is not a class "
                                             "label";
        QTest::newRow("negative label") << "a,label\n1,-1\n" << -1 << "'-1' is not a class label";
        QTest::newRow("huge label") << "a,label\n1,2e9\n" << -1 << "label '2e9' is too large";
        QTest::newRow("ragged") << "a,b,c\n1,2,3\n4,5\n" << -1
                                << "line 3 has 2 columns, expected 3";
        QTest::newRow("empty cell") << "a,b\n,1\n" << -1 << "line 2, column 1 (\"a\") is empty";
        QTest::newRow("label column") << "a,b\n1,1\n" << 5 << "data.csv_label_column is 5";
        QTest::newRow("no rows") << "a,b\n\n" << -1 << "no data rows";
        QTest::newRow("infinite") << "a,b\ninf,1\n" << -1 << "'inf' is not a finite number";
        QTest::newRow("huge") << "a,b\n1e999,1\n" << -1 << "'1e999' is out of the range";
        // clang-format on
    }
    void csvErrorsNameLineAndColumn() {
        QFETCH(QString, text);
        QFETCH(int, labelColumn);
        QFETCH(QString, mustContain);
        QTemporaryDir dir;
        const std::string path = writeText(dir, "table.csv", text.toStdString());
        auto result = data::readCsv(path, labelColumn, /*header=*/true);
        QVERIFY(!result.ok());
        QVERIFY2(contains(result.error(), path), result.error().c_str());
        QVERIFY2(contains(result.error(), mustContain.toStdString()), result.error().c_str());
    }

    void csvHeaderWithoutHeaderFlagGetsAHint() {
        QTemporaryDir dir;
        auto result = data::readCsv(writeText(dir, "t.csv", "x,y\n1,0\n"), -1, /*header=*/false);
        QVERIFY(!result.ok());
        QVERIFY2(contains(result.error(), "data.csv_header"), result.error().c_str());
    }

    // --- splitting ---------------------------------------------------------------------------

    void stratifiedSplitKeepsClassProportions() {
        // 10 of class 0, 20 of class 1, 30 of class 2, 5 of class 3, interleaved.
        std::vector<std::int64_t> y;
        for (int i = 0; i < 30; ++i) {
            if (i < 10)
                y.push_back(0);
            if (i < 20)
                y.push_back(1);
            y.push_back(2);
            if (i < 5)
                y.push_back(3);
        }
        const torch::Tensor labels = torch::tensor(y, torch::kLong);
        auto [first, second] = data::stratifiedSplit(labels, 0.1, /*seed=*/7);
        // round(0.1 * n): 1, 2, 3 and round(0.5) = 1 (llround rounds halves away from zero).
        QCOMPARE(perClass(labels.index_select(0, second), 4),
                 (std::vector<std::int64_t>{1, 2, 3, 1}));
        QCOMPARE(perClass(labels.index_select(0, first), 4),
                 (std::vector<std::int64_t>{9, 18, 27, 4}));
        // Disjoint and complete.
        const torch::Tensor all = std::get<0>(torch::cat({first, second}).sort());
        QVERIFY(torch::equal(all, torch::arange(65, torch::kLong)));
        // Seeded: the same seed gives the same split, another seed another one.
        auto again = data::stratifiedSplit(labels, 0.1, 7);
        QVERIFY(torch::equal(again.second, second));
        auto other = data::stratifiedSplit(labels, 0.1, 8);
        QVERIFY(!torch::equal(other.second, second));

        auto none = data::stratifiedSplit(labels, 0.0, 7);
        QCOMPARE(none.second.numel(), std::int64_t{0});
        QCOMPARE(none.first.numel(), std::int64_t{65});
    }

    void stratifiedSubsetHasExactCount() {
        std::vector<std::int64_t> y(60, 0);
        std::fill(y.begin() + 10, y.begin() + 30, 1);  // 10 x class 0, 20 x 1, 30 x 2
        std::fill(y.begin() + 30, y.end(), 2);
        const torch::Tensor labels = torch::tensor(y, torch::kLong);
        const torch::Tensor subset = data::stratifiedSubset(labels, 12, 3);
        QCOMPARE(subset.numel(), std::int64_t{12});
        QCOMPARE(perClass(labels.index_select(0, subset), 3), (std::vector<std::int64_t>{2, 4, 6}));
        // 7 of 60: shares 1.17, 2.33, 3.5 -> floors 1, 2, 3 and the largest remainder (class 2).
        QCOMPARE(perClass(labels.index_select(0, data::stratifiedSubset(labels, 7, 3)), 3),
                 (std::vector<std::int64_t>{1, 2, 4}));
        const auto v = toVector(subset);
        QVERIFY(std::is_sorted(v.begin(), v.end()));
        QCOMPARE(std::set<std::int64_t>(v.begin(), v.end()).size(), std::size_t{12});
        QCOMPARE(data::stratifiedSubset(labels, 100, 3).numel(), std::int64_t{60});
    }

    // --- normalisation -----------------------------------------------------------------------

    void normalisationGivesZeroMeanUnitStd() {
        // Three channels with different offsets and scales, one of them constant.
        torch::Tensor x = torch::randn({200, 3, 4, 4}, torch::kFloat);
        x.select(1, 0).mul_(5).add_(3);
        x.select(1, 1).mul_(0.01).add_(-2);
        x.select(1, 2).fill_(0.7f);
        auto [mean, std] = data::channelStatistics(x);
        QCOMPARE(mean.size(), std::size_t{3});
        QCOMPARE(std[2], 1.0);  // constant channel guarded
        data::standardize(x, mean, std);
        for (int c = 0; c < 2; ++c) {
            const torch::Tensor channel = x.select(1, c).to(torch::kDouble);
            QVERIFY(std::abs(channel.mean().item<double>()) < 1e-5);
            QVERIFY(std::abs(channel.std(/*unbiased=*/false).item<double>() - 1.0) < 1e-4);
        }
        QVERIFY(x.select(1, 2).abs().max().item<float>() < 1e-6f);

        // Bytes: exact statistics from the histogram, one conversion.
        const torch::Tensor bytes = torch::randint(0, 256, {100, 2, 5, 5}, torch::kUInt8);
        auto [bm, bs] = data::channelStatistics(bytes);
        const torch::Tensor asFloat = bytes.to(torch::kDouble) / 255.0;
        QVERIFY(std::abs(bm[1] - asFloat.select(1, 1).mean().item<double>()) < 1e-12);
        const torch::Tensor normalised = data::bytesToFloat(bytes, bm, bs);
        for (int c = 0; c < 2; ++c) {
            const torch::Tensor channel = normalised.select(1, c).to(torch::kDouble);
            QVERIFY(std::abs(channel.mean().item<double>()) < 1e-6);
            QVERIFY(std::abs(channel.std(/*unbiased=*/false).item<double>() - 1.0) < 1e-6);
        }
    }

    // --- batching ----------------------------------------------------------------------------

    void batchSamplerCoversEveryIndexOncePerEpoch() {
        data::BatchSampler sampler(10, /*seed=*/5);
        std::vector<std::vector<std::int64_t>> epochs;
        for (int e = 0; e < 3; ++e) {
            auto a = toVector(sampler.next(5));
            const auto b = toVector(sampler.next(5));
            a.insert(a.end(), b.begin(), b.end());
            epochs.push_back(a);
            std::sort(a.begin(), a.end());
            QCOMPARE(a, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        }
        QVERIFY(epochs[0] != epochs[1]);
        QVERIFY(epochs[1] != epochs[2]);

        // Batches that straddle epochs: the first 10 of 12 indices are one whole epoch.
        data::BatchSampler wrapping(10, 5);
        std::vector<std::int64_t> drawn;
        for (int i = 0; i < 4; ++i) {
            const auto batch = toVector(wrapping.next(3));
            QCOMPARE(batch.size(), std::size_t{3});
            drawn.insert(drawn.end(), batch.begin(), batch.end());
        }
        QCOMPARE(std::vector<std::int64_t>(drawn.begin(), drawn.begin() + 10), epochs[0]);
        QCOMPARE(wrapping.state().epoch, std::int64_t{1});
        QCOMPARE(wrapping.state().position, std::int64_t{2});
        // A batch larger than the dataset spans several epochs.
        QCOMPARE(data::BatchSampler(4, 1).next(10).numel(), std::int64_t{10});
        QCOMPARE(data::BatchSampler(0, 1).next(10).numel(), std::int64_t{0});
    }

    void batchSamplerStateReproducesBatches() {
        data::BatchSampler original(37, /*seed=*/11);
        for (int i = 0; i < 9; ++i) {
            original.next(8);
        }
        const auto state = original.state();
        std::vector<std::vector<std::int64_t>> expected;
        for (int i = 0; i < 12; ++i) {
            expected.push_back(toVector(original.next(8)));
        }
        data::BatchSampler restored(37, 11);
        restored.setState(state);
        for (int i = 0; i < 12; ++i) {
            QCOMPARE(toVector(restored.next(8)), expected[static_cast<std::size_t>(i)]);
        }
        // Another seed, other batches.
        data::BatchSampler other(37, 12);
        other.setState(state);
        QVERIFY(toVector(other.next(8)) != expected[0]);
    }

    // --- loadDataset -------------------------------------------------------------------------

    void syntheticIsDeterministicForASeed() {
        lossstudio::core::DataConfig config;
        config.name = "synthetic";
        config.syntheticClasses = 4;
        config.syntheticFeatures = 6;
        config.syntheticSamples = 600;
        auto a = data::loadDataset(config, 3);
        auto b = data::loadDataset(config, 3);
        auto c = data::loadDataset(config, 4);
        QVERIFY2(a.ok(), a.ok() ? "" : a.error().c_str());
        QVERIFY(b.ok() && c.ok());
        const auto& s = a.value();
        QCOMPARE(s.classes, 4);
        QCOMPARE(s.inputShape, (std::vector<std::int64_t>{6}));
        QCOMPARE(s.test.size(), std::int64_t{100});  // 1/6 held out, stratified: 25 per class
        QCOMPARE(perClass(s.test.labels, 4), (std::vector<std::int64_t>{25, 25, 25, 25}));
        QCOMPARE(s.validation.size(), std::int64_t{52});  // round(0.1 * 125) = 13 per class
        QCOMPARE(s.train.size(), std::int64_t{448});
        QVERIFY(torch::equal(s.train.inputs, b.value().train.inputs));
        QVERIFY(torch::equal(s.validation.labels, b.value().validation.labels));
        QVERIFY(torch::equal(s.test.inputs, b.value().test.inputs));
        QVERIFY(!torch::equal(s.train.inputs, c.value().train.inputs));
        // Standardised with the train split's statistics: exactly zero mean, unit std there.
        const torch::Tensor train = s.train.inputs.to(torch::kDouble);
        QVERIFY(train.mean(/*dim=*/{0}).abs().max().item<double>() < 1e-5);
        QVERIFY((train.std(/*dim=*/{0}, /*unbiased=*/false) - 1).abs().max().item<double>() < 1e-5);
        QCOMPARE(s.mean.size(), std::size_t{6});
    }

    void limitsAreStratifiedAndExact() {
        lossstudio::core::DataConfig config;
        config.name = "synthetic";
        config.syntheticSamples = 1200;
        config.trainLimit = 400;
        config.testLimit = 60;
        config.validationFraction = 0.25;
        auto result = data::loadDataset(config, 1);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().c_str());
        const auto& s = result.value();
        QCOMPARE(s.train.size() + s.validation.size(), std::int64_t{400});
        QCOMPARE(perClass(s.validation.labels, 4), (std::vector<std::int64_t>{25, 25, 25, 25}));
        QCOMPARE(perClass(s.test.labels, 4), (std::vector<std::int64_t>{15, 15, 15, 15}));
    }

    void csvDatasetFromFileOrFolder() {
        QTemporaryDir dir;
        std::string text = "f1,f2,label\n";
        for (int i = 0; i < 60; ++i) {
            text += std::to_string(i) + "," + std::to_string(i % 7) + "," + std::to_string(i % 3) +
                    "\n";
        }
        lossstudio::core::DataConfig config;
        config.name = "csv";
        config.path = writeText(dir, "all.csv", text);
        auto single = data::loadDataset(config, 0);
        QVERIFY2(single.ok(), single.ok() ? "" : single.error().c_str());
        QCOMPARE(single.value().classes, 3);
        QCOMPARE(single.value().test.size(), std::int64_t{9});  // round(20 / 6) = 3 per class
        QCOMPARE(single.value().train.size() + single.value().validation.size(), std::int64_t{51});
        // The test part is the same whatever the run seed (compared before normalisation, whose
        // statistics come from the seed's training split).
        config.normalize = false;
        auto sameSeed = data::loadDataset(config, 0);
        auto otherSeed = data::loadDataset(config, 99);
        QVERIFY(sameSeed.ok() && otherSeed.ok());
        QVERIFY(torch::equal(sameSeed.value().test.inputs, otherSeed.value().test.inputs));
        QVERIFY(
            !torch::equal(sameSeed.value().validation.labels, otherSeed.value().validation.labels));
        config.normalize = true;

        QVERIFY(QDir(dir.path()).mkdir("split"));
        writeText(dir, "split/train.csv", text);
        writeText(dir, "split/test.csv", "f1,f2,label\n1,2,4\n");
        config.path = dir.filePath("split").toStdString();
        auto folder = data::loadDataset(config, 0);
        QVERIFY2(folder.ok(), folder.ok() ? "" : folder.error().c_str());
        QCOMPARE(folder.value().classes, 5);
        QCOMPARE(folder.value().test.size(), std::int64_t{1});
        QCOMPARE(folder.value().train.size() + folder.value().validation.size(), std::int64_t{60});

        QVERIFY(QFile::remove(dir.filePath("split/test.csv")));
        auto missing = data::loadDataset(config, 0);
        QVERIFY(!missing.ok());
        QVERIFY2(contains(missing.error(), "test.csv"), missing.error().c_str());
    }

    void configErrorsSayWhatToDo() {
        lossstudio::core::DataConfig config;
        config.name = "mnist";
        auto noPath = data::loadDataset(config, 0);
        QVERIFY(!noPath.ok());
        QVERIFY2(contains(noPath.error(), "data.path"), noPath.error().c_str());
        config.name = "imagenet";
        auto unknown = data::loadDataset(config, 0);
        QVERIFY(!unknown.ok());
        QVERIFY2(contains(unknown.error(), "fashion-mnist"), unknown.error().c_str());
    }

    void realFashionMnist() {
        const std::string folder = lossstudio::core::defaultFashionMnistDirectory();
        if (!QFileInfo::exists(QString::fromStdString(folder))) {
            QSKIP("the Debian package dataset-fashion-mnist is not installed");
        }
        lossstudio::core::DataConfig config;  // fashion-mnist, 10% validation
        QElapsedTimer timer;
        timer.start();
        auto result = data::loadDataset(config, 0);
        qInfo("Fashion-MNIST loaded in %lld ms", static_cast<long long>(timer.elapsed()));
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().c_str());
        const auto& s = result.value();
        QCOMPARE(s.classes, 10);
        QCOMPARE(s.inputShape, (std::vector<std::int64_t>{1, 28, 28}));
        QCOMPARE(s.train.size() + s.validation.size(), std::int64_t{60000});
        QCOMPARE(s.validation.size(), std::int64_t{6000});
        QCOMPARE(perClass(s.validation.labels, 10), std::vector<std::int64_t>(10, 600));
        QCOMPARE(s.test.size(), std::int64_t{10000});
        QCOMPARE(s.train.inputs.scalar_type(), torch::kFloat);
        QVERIFY(std::abs(s.train.inputs.mean().item<double>()) < 1e-3);
        QCOMPARE(s.mean.size(), std::size_t{1});
        QVERIFY(s.mean[0] > 0.2 && s.mean[0] < 0.4);  // Fashion-MNIST's pixel mean is about 0.286
    }
};

QTEST_APPLESS_MAIN(TestData)
#include "test_data.moc"
