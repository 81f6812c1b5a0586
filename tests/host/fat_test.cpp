// FAT12, FAT16 and FAT32 (src/fs/fat/) against real images: mkfs.fat
// (dosfstools) formats them and mtools fills them at test time; the volume
// code must see exactly what mtools put there, and after it writes,
// fsck.fat must find nothing wrong and mtools must see exactly what it
// wrote. Then corrupt images, each problem with its error text.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>
#include "fs/fat/fat_volume.h"

namespace {

using fs::fat::FatType;
using fs::fat::Node;
using fs::fat::Problem;
using fs::fat::Volume;

class MemoryDisk final : public drivers::BlockDevice {
public:
    explicit MemoryDisk(std::vector<std::byte> bytes) : m_bytes(std::move(bytes)) {}
    std::string_view name() const override { return "memory"; }
    uint32_t block_size() const override { return 512; }
    uint64_t block_count() const override { return m_bytes.size() / 512; }
    kstd::Expected<void, drivers::BlockError> read(uint64_t first, uint32_t count, std::span<std::byte> into) override
    {
        TRY(check_range(first, count, into.size()));
        std::copy_n(m_bytes.begin() + static_cast<long>(first * 512), into.size(), into.begin());
        ++reads;
        return {};
    }
    kstd::Expected<void, drivers::BlockError> write(uint64_t first, uint32_t count,
                                                    std::span<const std::byte> from) override
    {
        TRY(check_range(first, count, from.size()));
        std::copy(from.begin(), from.end(), m_bytes.begin() + static_cast<long>(first * 512));
        ++writes;
        return {};
    }
    std::vector<std::byte>& bytes() { return m_bytes; }
    size_t reads = 0;
    size_t writes = 0;

private:
    std::vector<std::byte> m_bytes;
};

std::string text_of(const fs::fat::Error& error)
{
    char buffer[512];
    kstd::BufferSink sink(buffer);
    kstd::format_to(sink, "{}", error);
    return std::string(sink.view());
}

template <typename T>
std::string error_text(const kstd::Expected<T, fs::fat::Error>& result)
{
    return result ? std::string("(no error)") : text_of(result.error());
}

#define ASSERT_FAT_OK(expression)                                                               \
    do {                                                                                        \
        auto&& result_ = (expression);                                                          \
        ASSERT_TRUE(result_.has_value()) << #expression << ": " << error_text(result_);         \
    } while (0)

std::string shell_quote(const std::string& text)
{
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

// Runs a command through the shell; its standard output, and the exit status.
std::string capture(const std::string& command, int& status)
{
    std::string output;
    FILE* pipe = popen(("MTOOLS_SKIP_CHECK=1 " + command + " 2>&1").c_str(), "r");
    if (!pipe) {
        status = -1;
        return output;
    }
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        output.append(buffer, got);
    const int raw = pclose(pipe);
    status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return output;
}

std::string capture(const std::string& command)
{
    int status;
    std::string output = capture(command, status);
    EXPECT_EQ(status, 0) << command << "\n" << output;
    return output;
}

bool have(const char* tool)
{
    return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// The tools, or a failure naming the package to install.
::testing::AssertionResult tools_present()
{
    if (!have("mkfs.fat") || !have("fsck.fat"))
        return ::testing::AssertionFailure()
               << "mkfs.fat/fsck.fat not found: install the package dosfstools (apt-get install dosfstools; "
                  "tools/setup.sh does)";
    if (!have("mcopy") || !have("mmd") || !have("mdir") || !have("mtype"))
        return ::testing::AssertionFailure()
               << "mcopy/mmd/mdir/mtype not found: install the package mtools (apt-get install mtools)";
    return ::testing::AssertionSuccess();
}

std::vector<std::byte> read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

void write_file(const std::string& path, const std::vector<std::byte>& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_file(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string pattern(size_t size, unsigned seed)
{
    std::string text(size, '\0');
    uint32_t state = seed * 2654435761u + 1;
    for (char& c : text) {
        state = state * 1103515245u + 12345u;
        c = static_cast<char>(state >> 16);
    }
    return text;
}

std::span<const std::byte> as_bytes(const std::string& text)
{
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

struct Format {
    const char* name;
    FatType type;
    const char* mkfs_options;
    unsigned kib;
};
const Format formats[] = {
    {"fat12", FatType::Fat12, "-F 12", 1440},
    {"fat16", FatType::Fat16, "-F 16", 32 * 1024},
    {"fat32", FatType::Fat32, "-F 32", 64 * 1024},
};

// What mtools puts on every image: path -> contents ("" and a trailing
// slash for directories).
std::map<std::string, std::string> tree()
{
    return {
        {"/docs/", ""},
        {"/docs/deeper/", ""},
        {"/docs/deeper/nested file with a long name.md", "# nested\n"},
        {"/docs/README.TXT", "short name, upper case\n"},
        {"/Long File Name.txt", "hello from mtools\n"},
        {"/empty.txt", ""},
        {"/big.bin", pattern(150 * 1024 + 123, 7)},
        {"/MixedCase.Dat", "mixed\n"},
    };
}

class FatImage : public ::testing::TestWithParam<Format> {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(tools_present());
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = ::testing::TempDir() + "kestrel-fat-" + std::to_string(getpid()) + "-" + info->name();
        std::replace(m_dir.begin() + static_cast<long>(::testing::TempDir().size()), m_dir.end(), '/', '_');
        capture("rm -rf " + shell_quote(m_dir) + " && mkdir -p " + shell_quote(m_dir + "/files"));
        m_image = m_dir + "/image";
        const Format& format = GetParam();
        capture("mkfs.fat " + std::string(format.mkfs_options) + " -C " + shell_quote(m_image) + " " +
                std::to_string(format.kib));
        for (const auto& [path, contents] : tree()) {
            if (path.back() == '/') {
                capture("mmd -i " + shell_quote(m_image) + " " + shell_quote("::" + path.substr(0, path.size() - 1)));
                continue;
            }
            const std::string local = m_dir + "/files/" + path.substr(path.rfind('/') + 1);
            write_file(local, contents);
            capture("mcopy -i " + shell_quote(m_image) + " " + shell_quote(local) + " " + shell_quote("::" + path));
        }
        m_disk = std::make_unique<MemoryDisk>(read_file(m_image));
    }
    void TearDown() override { capture("rm -rf " + shell_quote(m_dir)); }

    void save() { write_file(m_image, m_disk->bytes()); }
    std::string mtype(const std::string& path)
    {
        return capture("mtype -i " + shell_quote(m_image) + " " + shell_quote("::" + path));
    }
    // mdir -b: one line per entry, "::/path", directories with a "/".
    std::set<std::string> mdir(const std::string& path)
    {
        std::set<std::string> names;
        const std::string output = capture("mdir -b -i " + shell_quote(m_image) + " " + shell_quote("::" + path));
        size_t start = 0;
        while (start < output.size()) {
            size_t end = output.find('\n', start);
            if (end == std::string::npos)
                end = output.size();
            std::string line = output.substr(start, end - start);
            if (line.starts_with("::"))
                names.insert(line.substr(2));
            start = end + 1;
        }
        return names;
    }
    void expect_fsck_clean()
    {
        int status;
        const std::string output = capture("fsck.fat -n " + shell_quote(m_image), status);
        EXPECT_EQ(status, 0) << output;
    }
    std::string read_all(Volume& volume, const std::string& path)
    {
        auto node = volume.stat(path);
        EXPECT_TRUE(node.has_value()) << path << ": " << error_text(node);
        if (!node)
            return {};
        std::string contents;
        std::vector<std::byte> buffer(1000); // not a multiple of the sector or the cluster
        for (uint64_t offset = 0;;) {
            auto got = volume.read(*node, offset, buffer);
            EXPECT_TRUE(got.has_value()) << path << ": " << error_text(got);
            if (!got || *got == 0)
                break;
            contents.append(reinterpret_cast<const char*>(buffer.data()), *got);
            offset += *got;
        }
        return contents;
    }
    // Every path under `directory` as the volume lists it ("/a/", "/a/b").
    void walk(Volume& volume, const std::string& directory, std::map<std::string, std::string>& found)
    {
        std::vector<Node> entries;
        auto listed = volume.list(directory, [&](const Node& node) { entries.push_back(node); });
        ASSERT_TRUE(listed.has_value()) << error_text(listed);
        for (const Node& node : entries) {
            const std::string path = (directory == "/" ? "" : directory) + "/" + std::string(node.name());
            if (node.is_directory()) {
                found[path + "/"] = "";
                walk(volume, path, found);
            } else {
                found[path] = read_all(volume, path);
            }
        }
    }

    std::string m_dir;
    std::string m_image;
    std::unique_ptr<MemoryDisk> m_disk;
};

TEST_P(FatImage, sees_exactly_what_mtools_wrote)
{
    auto volume = Volume::mount(*m_disk);
    ASSERT_FAT_OK(volume);
    EXPECT_EQ(volume->type(), GetParam().type);
    std::map<std::string, std::string> found;
    walk(*volume, "/", found);
    EXPECT_EQ(found, tree());

    // Case-insensitive lookups of long and short names, and stat.
    auto by_short = volume->stat("/LONGFI~1.TXT");
    ASSERT_FAT_OK(by_short);
    EXPECT_EQ(by_short->name(), "Long File Name.txt");
    EXPECT_EQ(by_short->short_view(), "LONGFI~1.TXT");
    ASSERT_FAT_OK(volume->stat("/DOCS/Deeper/NESTED FILE WITH A LONG NAME.MD"));
    auto big = volume->stat("//big.bin");
    ASSERT_FAT_OK(big);
    EXPECT_EQ(big->size, 150u * 1024 + 123);
    EXPECT_FALSE(big->is_directory());
    auto docs = volume->stat("/docs/");
    ASSERT_FAT_OK(docs);
    EXPECT_TRUE(docs->is_directory());
    auto root = volume->stat("/");
    ASSERT_FAT_OK(root);
    EXPECT_TRUE(root->is_root);

    // A read in the middle, across clusters.
    std::vector<std::byte> middle(5000);
    auto got = volume->read(*big, 40000, middle);
    ASSERT_FAT_OK(got);
    EXPECT_EQ(*got, 5000u);
    EXPECT_EQ(std::memcmp(middle.data(), tree()["/big.bin"].data() + 40000, 5000), 0);
    auto past = volume->read(*big, big->size, middle);
    ASSERT_FAT_OK(past);
    EXPECT_EQ(*past, 0u);

    EXPECT_EQ(volume->stat("/nothing").error().problem, Problem::NotFound);
    EXPECT_EQ(text_of(volume->stat("/docs/nothing.txt").error()),
              "FAT: \"/docs/nothing.txt\": no such file or directory");
    EXPECT_EQ(volume->stat("/empty.txt/x").error().problem, Problem::NotADirectory);
    EXPECT_EQ(volume->read(*docs, 0, middle).error().problem, Problem::IsADirectory);
}

TEST_P(FatImage, writes_that_fsck_and_mtools_accept)
{
    auto expected = tree();
    {
        auto volume = Volume::mount(*m_disk);
        ASSERT_FAT_OK(volume);
        auto free_before = volume->count_free_clusters();
        ASSERT_FAT_OK(free_before);

        // Create: an 8.3 name, a long one, one that needs a numeric tail.
        ASSERT_FAT_OK(volume->write("/NEW.TXT", 0, as_bytes("new file\n")));
        expected["/NEW.TXT"] = "new file\n";
        ASSERT_FAT_OK(volume->write("/docs/a new file with a long name.text", 0, as_bytes("long\n")));
        expected["/docs/a new file with a long name.text"] = "long\n";
        ASSERT_FAT_OK(volume->create("/Long File Name 2.txt")); // LONGFI~2.TXT: ~1 is taken
        expected["/Long File Name 2.txt"] = "";
        auto second = volume->stat("/Long File Name 2.txt");
        ASSERT_FAT_OK(second);
        EXPECT_EQ(second->short_view(), "LONGFI~2.TXT");
        EXPECT_EQ(volume->create("/NEW.txt").error().problem, Problem::AlreadyExists);
        EXPECT_EQ(volume->create("/bad:name").error().problem, Problem::InvalidName);

        // Append and grow across many clusters; a gap reads as zeros.
        const std::string grown = pattern(70000, 3);
        ASSERT_FAT_OK(volume->append("/empty.txt", as_bytes(grown.substr(0, 100))));
        ASSERT_FAT_OK(volume->append("/empty.txt", as_bytes(grown.substr(100))));
        expected["/empty.txt"] = grown;
        ASSERT_FAT_OK(volume->write("/gap.bin", 3000, as_bytes("after the gap")));
        expected["/gap.bin"] = std::string(3000, '\0') + "after the gap";
        ASSERT_FAT_OK(volume->write("/Long File Name.txt", 6, as_bytes("FROM")));
        expected["/Long File Name.txt"] = "hello FROM mtools\n";

        // Truncate: shorter, to zero, longer.
        ASSERT_FAT_OK(volume->truncate("/big.bin", 10000));
        expected["/big.bin"] = expected["/big.bin"].substr(0, 10000);
        ASSERT_FAT_OK(volume->truncate("/MixedCase.Dat", 0));
        expected["/MixedCase.Dat"] = "";
        ASSERT_FAT_OK(volume->truncate("/docs/README.TXT", 30));
        expected["/docs/README.TXT"] = std::string("short name, upper case\n") + std::string(7, '\0');

        // mkdir, nested, with files; rmdir only when empty.
        ASSERT_FAT_OK(volume->mkdir("/new dir"));
        ASSERT_FAT_OK(volume->mkdir("/new dir/SUB"));
        expected["/new dir/"] = "";
        expected["/new dir/SUB/"] = "";
        for (int i = 0; i < 40; ++i) { // more entries than one cluster holds on FAT12
            const std::string path = "/new dir/SUB/file number " + std::to_string(i) + ".txt";
            ASSERT_FAT_OK(volume->write(path, 0, as_bytes(std::to_string(i))));
            expected[path] = std::to_string(i);
        }
        ASSERT_FAT_OK(volume->mkdir("/gone"));
        EXPECT_EQ(volume->mkdir("/gone").error().problem, Problem::AlreadyExists);
        ASSERT_FAT_OK(volume->create("/gone/x"));
        EXPECT_EQ(volume->rmdir("/gone").error().problem, Problem::NotEmpty);
        EXPECT_EQ(volume->unlink("/gone").error().problem, Problem::IsADirectory);
        ASSERT_FAT_OK(volume->unlink("/gone/x"));
        ASSERT_FAT_OK(volume->rmdir("/gone"));
        EXPECT_EQ(volume->stat("/gone").error().problem, Problem::NotFound);

        // Unlink a long-named file and a big one.
        ASSERT_FAT_OK(volume->unlink("/docs/deeper/nested file with a long name.md"));
        expected.erase("/docs/deeper/nested file with a long name.md");

        // Rename within a directory, across directories, a directory with its contents.
        ASSERT_FAT_OK(volume->rename("/NEW.TXT", "/renamed with a long name.txt"));
        expected["/renamed with a long name.txt"] = expected["/NEW.TXT"];
        expected.erase("/NEW.TXT");
        ASSERT_FAT_OK(volume->rename("/gap.bin", "/docs/deeper/GAP.BIN"));
        expected["/docs/deeper/GAP.BIN"] = expected["/gap.bin"];
        expected.erase("/gap.bin");
        ASSERT_FAT_OK(volume->rename("/new dir/SUB", "/docs/moved sub"));
        std::map<std::string, std::string> moved;
        for (auto& [path, contents] : expected) {
            if (path.starts_with("/new dir/SUB/"))
                moved["/docs/moved sub/" + path.substr(13)] = contents;
            else
                moved[path] = contents;
        }
        expected = moved;
        EXPECT_EQ(volume->rename("/docs", "/docs/moved sub/inside").error().problem, Problem::InvalidRename);
        EXPECT_EQ(volume->rename("/empty.txt", "/docs/README.TXT").error().problem, Problem::AlreadyExists);
        ASSERT_FAT_OK(volume->rename("/MixedCase.Dat", "/mixedcase.dat")); // a new spelling
        expected["/mixedcase.dat"] = "";
        expected.erase("/MixedCase.Dat");
        ASSERT_FAT_OK(volume->sync());

        std::map<std::string, std::string> found;
        walk(*volume, "/", found);
        EXPECT_EQ(found, expected);
    }
    save();
    expect_fsck_clean();

    // mtools sees what was written, byte for byte.
    for (const auto& [path, contents] : expected) {
        if (path.back() != '/') {
            EXPECT_EQ(mtype(path), contents) << path;
        }
    }
    std::set<std::string> root_names;
    for (const auto& [path, contents] : expected) {
        if (path.find('/', 1) == std::string::npos || path.find('/', 1) == path.size() - 1)
            root_names.insert(path.back() == '/' ? path : path);
    }
    EXPECT_EQ(mdir("/"), root_names);
    std::set<std::string> moved_names;
    for (const auto& [path, contents] : expected) {
        if (path.starts_with("/docs/moved sub/") && path.size() > 16)
            moved_names.insert(path);
    }
    EXPECT_EQ(mdir("/docs/moved sub"), moved_names);
    EXPECT_EQ(mdir("/docs/moved sub").size(), 40u);

    // Mounted again: the same tree, and FAT32's FSInfo free count is right.
    auto again = Volume::mount(*m_disk);
    ASSERT_FAT_OK(again);
    std::map<std::string, std::string> found;
    walk(*again, "/", found);
    EXPECT_EQ(found, expected);
    if (GetParam().type == FatType::Fat32) {
        const fs::fat::Layout& layout = again->layout();
        ASSERT_NE(layout.fsinfo_sector, 0u);
        const auto* info = reinterpret_cast<const uint8_t*>(m_disk->bytes().data()) +
                           uint64_t{layout.fsinfo_sector} * layout.bytes_per_sector;
        const uint32_t free_count = info[488] | info[489] << 8 | info[490] << 16 | uint32_t{info[491]} << 24;
        auto counted = again->count_free_clusters();
        ASSERT_FAT_OK(counted);
        EXPECT_EQ(free_count, *counted);
    }
}

TEST_P(FatImage, fills_the_volume_then_frees_it)
{
    if (GetParam().type != FatType::Fat12)
        GTEST_SKIP() << "filling 32 or 64 MiB is slow; FAT12 proves the path";
    auto volume = Volume::mount(*m_disk);
    ASSERT_FAT_OK(volume);
    const auto free_before = volume->count_free_clusters();
    ASSERT_FAT_OK(free_before);
    const std::string chunk = pattern(64 * 1024, 9);
    int written = 0;
    for (;; ++written) {
        auto result = volume->append("/fill.bin", as_bytes(chunk));
        if (!result) {
            EXPECT_EQ(result.error().problem, Problem::NoSpace) << error_text(result);
            break;
        }
        ASSERT_LT(written, 100);
    }
    EXPECT_EQ(*volume->count_free_clusters(), *free_before % (chunk.size() / volume->layout().cluster_bytes()));
    ASSERT_FAT_OK(volume->unlink("/fill.bin"));
    EXPECT_EQ(*volume->count_free_clusters(), *free_before);
    save();
    expect_fsck_clean();
}

INSTANTIATE_TEST_SUITE_P(Fat, FatImage, ::testing::ValuesIn(formats),
                         [](const auto& test) { return std::string(test.param.name); });

// ---- corrupt images ---------------------------------------------------------

class FatCorrupt : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(tools_present());
        m_image = ::testing::TempDir() + "kestrel-fat-corrupt-" + std::to_string(getpid());
        capture("rm -f " + shell_quote(m_image) + " && mkfs.fat -F 12 -C " + shell_quote(m_image) + " 1440");
        const std::string local = m_image + ".big";
        write_file(local, pattern(20000, 1));
        capture("mcopy -i " + shell_quote(m_image) + " " + shell_quote(local) + " ::/big.bin");
        capture("mmd -i " + shell_quote(m_image) + " ::/dir");
        capture("mcopy -i " + shell_quote(m_image) + " " + shell_quote(local) + " ::/dir/inner.bin");
        m_bytes = read_file(m_image);
        capture("rm -f " + shell_quote(m_image) + " " + shell_quote(local));
        MemoryDisk disk(m_bytes);
        auto volume = Volume::mount(disk);
        ASSERT_FAT_OK(volume);
        m_layout = volume->layout();
        auto big = volume->stat("/big.bin");
        ASSERT_FAT_OK(big);
        m_big = *big;
        auto inner = volume->stat("/dir/inner.bin");
        ASSERT_FAT_OK(inner);
        m_inner = *inner;
    }
    uint8_t& byte(uint64_t at) { return reinterpret_cast<uint8_t&>(m_bytes[at]); }
    void put16(uint64_t at, uint32_t value)
    {
        byte(at) = static_cast<uint8_t>(value);
        byte(at + 1) = static_cast<uint8_t>(value >> 8);
    }
    // A FAT12 entry, in both copies.
    void set_fat(uint32_t cluster, uint32_t value)
    {
        for (uint32_t fat = 0; fat < m_layout.fat_count; ++fat) {
            const uint64_t at = (m_layout.fat_start() + fat * m_layout.fat_sectors) * 512 + cluster + cluster / 2;
            uint32_t pair = byte(at) | byte(at + 1) << 8;
            pair = cluster & 1 ? (pair & 0xF) | value << 4 : (pair & 0xF000) | value;
            put16(at, pair);
        }
    }
    uint64_t root_entry(uint32_t slot) { return m_layout.root_start() * 512 + slot * 32; }
    std::string mount_error()
    {
        MemoryDisk disk(m_bytes);
        return error_text(Volume::mount(disk));
    }
    // Mounts, stats `path`, reads it whole: the first error's text.
    std::string read_error(const std::string& path)
    {
        MemoryDisk disk(m_bytes);
        auto volume = Volume::mount(disk);
        if (!volume)
            return error_text(volume);
        auto node = volume->stat(path);
        if (!node)
            return error_text(node);
        std::vector<std::byte> buffer(node->size + 1);
        return error_text(volume->read(*node, 0, buffer));
    }

    std::string m_image;
    std::vector<std::byte> m_bytes;
    fs::fat::Layout m_layout{};
    Node m_big;
    Node m_inner;
};

TEST_F(FatCorrupt, a_chain_that_loops)
{
    set_fat(m_big.first_cluster + 5, m_big.first_cluster + 2);
    const std::string text = read_error("/big.bin");
    EXPECT_TRUE(text.starts_with("FAT: cluster chain of \"big.bin\" loops at cluster ")) << text;
    EXPECT_TRUE(text.ends_with(" (longer than the volume's " + std::to_string(m_layout.cluster_count) + " clusters)"))
        << text;
    MemoryDisk disk(m_bytes);
    auto volume = Volume::mount(disk);
    ASSERT_FAT_OK(volume);
    EXPECT_EQ(error_text(volume->unlink("/big.bin")).substr(0, 40), "FAT: cluster chain of \"/big.bin\" loops a");
    EXPECT_EQ(volume->truncate("/big.bin", 0).error().problem, Problem::ChainLoops);
}

TEST_F(FatCorrupt, a_cluster_out_of_range_in_the_chain)
{
    set_fat(m_big.first_cluster + 3, 0xFF0);
    EXPECT_EQ(read_error("/big.bin"), "FAT: cluster in \"big.bin\" out of range: 4080 (clusters are 2 to " +
                                          std::to_string(m_layout.max_cluster()) + ")");
}

TEST_F(FatCorrupt, a_free_cluster_in_the_chain)
{
    set_fat(m_big.first_cluster + 3, 0);
    EXPECT_EQ(read_error("/big.bin"),
              "FAT: cluster chain of \"big.bin\" runs into a free, reserved or bad cluster after cluster " +
                  std::to_string(m_big.first_cluster + 3) + " (FAT value 0x0)");
}

TEST_F(FatCorrupt, a_directory_entry_pointing_past_the_end)
{
    put16(root_entry(m_big.slot) + 26, 0xFF0);
    EXPECT_EQ(read_error("/big.bin"), "FAT: cluster in \"/big.bin\" out of range: 4080 (clusters are 2 to " +
                                          std::to_string(m_layout.max_cluster()) + ")");
    MemoryDisk disk(m_bytes);
    auto volume = Volume::mount(disk);
    ASSERT_FAT_OK(volume);
    auto listed = volume->list("/", [](const Node&) {});
    EXPECT_EQ(error_text(listed).substr(0, 34), "FAT: cluster in \"/big.bin\" out of ");
}

TEST_F(FatCorrupt, a_size_larger_than_the_chain)
{
    put16(root_entry(m_big.slot) + 28, 0xFFFF);
    EXPECT_EQ(read_error("/big.bin"), "FAT: \"big.bin\": file size 65535 larger than its cluster chain (" +
                                          std::to_string((20000 + m_layout.cluster_bytes() - 1) /
                                                         m_layout.cluster_bytes() * m_layout.cluster_bytes()) +
                                          " bytes)");
}

TEST_F(FatCorrupt, a_subdirectory_loop_and_a_directory_of_cluster_zero)
{
    // The directory's own chain loops onto itself.
    const uint32_t dir_cluster = m_inner.parent;
    set_fat(dir_cluster, dir_cluster);
    // Its free entries marked deleted, so the walk goes on past them.
    const uint64_t dir_at = m_layout.cluster_sector(dir_cluster) * 512;
    for (uint32_t slot = m_inner.slot + 1; slot < m_layout.cluster_bytes() / 32; ++slot)
        byte(dir_at + slot * 32) = 0xE5;
    {
        MemoryDisk disk(m_bytes);
        auto volume = Volume::mount(disk);
        ASSERT_FAT_OK(volume);
        size_t entries = 0;
        auto listed = volume->list("/dir", [&](const Node&) { ++entries; });
        EXPECT_EQ(listed.error().problem, Problem::ChainLoops) << error_text(listed);
    }
    set_fat(dir_cluster, 0xFFF);
    // "dir" is the second entry of the root (after big.bin).
    put16(root_entry(m_big.slot + 1) + 26, 0);
    EXPECT_EQ(read_error("/dir/inner.bin"), "FAT: \"/dir/inner.bin\": bad directory entry (cluster 0)");
}

TEST_F(FatCorrupt, a_truncated_image)
{
    m_bytes.resize(m_bytes.size() / 2);
    EXPECT_EQ(mount_error(), "FAT: the device has 1440 blocks, the volume needs 2880 (truncated image)");
}

TEST_F(FatCorrupt, fat_copies_that_differ)
{
    byte((m_layout.fat_start() + m_layout.fat_sectors) * 512 + 7) ^= 0x40;
    EXPECT_EQ(mount_error(), "FAT: the FAT copies differ in sector 0 of the FAT (byte 0x7)");
}

TEST_F(FatCorrupt, boot_sector_fields)
{
    const std::vector<std::byte> good = m_bytes;
    byte(0) = 0;
    EXPECT_EQ(mount_error(), "FAT: boot sector: no jump instruction at its start (not a FAT volume)");
    m_bytes = good;
    put16(11, 384);
    EXPECT_EQ(mount_error(), "FAT: boot sector: bytes per sector not 512, 1024, 2048 or 4096 (384)");
    m_bytes = good;
    byte(13) = 3;
    EXPECT_EQ(mount_error(),
              "FAT: boot sector: sectors per cluster not a power of two up to 32 KiB clusters (3)");
    m_bytes = good;
    put16(14, 0);
    EXPECT_EQ(mount_error(), "FAT: boot sector: no reserved sectors");
    m_bytes = good;
    byte(16) = 3;
    EXPECT_EQ(mount_error(), "FAT: boot sector: FAT count not 1 or 2 (3)");
    m_bytes = good;
    put16(17, 0);
    EXPECT_EQ(mount_error(), "FAT: boot sector: root entry count does not fit the FAT type (0)");
    m_bytes = good;
    put16(19, 20);
    EXPECT_EQ(mount_error(),
              "FAT: boot sector: total sectors too few for the FATs and the root directory (20, need 34)");
    m_bytes = good;
    put16(22, 1);
    EXPECT_EQ(mount_error(), "FAT: boot sector: FAT size too small for the clusters (1, need 9)");
    m_bytes = good;
    byte(510) = 0;
    EXPECT_EQ(mount_error(), "FAT: boot sector: no 0x55 0xAA signature at offset 510");
    m_bytes = good;
    m_bytes.resize(100);
    EXPECT_EQ(mount_error(), "FAT: the device has 0 blocks, the volume needs 1 (truncated image)");
}

TEST(FatNames, long_name_checksum_and_short_name_basis)
{
    // fatgen103's example of the checksum, computed by hand.
    const uint8_t name[11] = {'F', 'O', 'O', ' ', ' ', ' ', ' ', ' ', 'B', 'A', 'R'};
    uint8_t sum = 0;
    for (uint8_t c : name)
        sum = static_cast<uint8_t>(((sum & 1) << 7) + (sum >> 1) + c);
    EXPECT_EQ(fs::fat::short_name_checksum(name), sum);

    uint8_t basis[11];
    EXPECT_EQ(fs::fat::short_name_basis("README.TXT", basis), fs::fat::ShortFit::Exact);
    EXPECT_EQ(fs::fat::short_name_basis("readme.txt", basis), fs::fat::ShortFit::CaseOnly);
    EXPECT_EQ(fs::fat::short_name_basis("a long name.text", basis), fs::fat::ShortFit::Lossy);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(basis), 11), "ALONGNAMTEX");
    fs::fat::add_numeric_tail(basis, 12);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(basis), 11), "ALONG~12TEX");
    EXPECT_EQ(fs::fat::short_name_basis(".hidden", basis), fs::fat::ShortFit::Lossy);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(basis), 11), "HIDDEN     ");
    EXPECT_FALSE(fs::fat::valid_long_name("a/b"));
    EXPECT_FALSE(fs::fat::valid_long_name("end."));
    EXPECT_FALSE(fs::fat::valid_long_name(std::string(256, 'a')));
    EXPECT_TRUE(fs::fat::valid_long_name(std::string(255, 'a')));
    EXPECT_TRUE(fs::fat::valid_long_name("caf\xc3\xa9 \xe2\x82\xac.txt"));
    EXPECT_FALSE(fs::fat::valid_long_name("\xf0\x9f\x98\x80")); // outside the BMP
}

} // namespace
