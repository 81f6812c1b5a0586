// KTEST cases of ram_fs.cpp: the operations on its nodes, directly (the
// VFS's path walk over them is usertests' in the user-label kernels).

#include "fs/ram_fs.h"
#include "ktest/ktest.h"
#include "mem/kernel_heap.h"

namespace {

using kstd::Errno;

struct Tree {
    Tree() : file_system(MUST(fs::RamFileSystem::create())), root(file_system->root()) {}
    ~Tree()
    {
        root = nullptr;
        delete file_system;
    }
    fs::RamFileSystem* file_system;
    kstd::RefPtr<fs::Vnode> root;
};

std::span<const std::byte> bytes(std::string_view text)
{
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()}; // text's chars as bytes
}

} // namespace

KTEST(ram_fs, a_file_is_made_written_read_and_grown_with_zeros)
{
    Tree tree;
    kstd::RefPtr<fs::Vnode> file = MUST(tree.root->create("notes", fs::FileType::Regular));
    EXPECT_EQ(MUST(file->write(0, bytes("hello"))), 5u);
    EXPECT_EQ(MUST(file->write(8, bytes("!"))), 1u);
    EXPECT_EQ(file->metadata().size, 9u);
    std::byte buffer[16] = {};
    EXPECT_EQ(MUST(file->read(0, buffer)), 9u);
    EXPECT_EQ(buffer[4], std::byte{'o'});
    EXPECT_EQ(buffer[6], std::byte{0}, "the gap reads as zeros");
    EXPECT_EQ(MUST(file->read(9, buffer)), 0u, "at the end: nothing");
    MUST(file->truncate(2));
    EXPECT_EQ(file->metadata().size, 2u);
    EXPECT_ERROR(tree.root->create("notes", fs::FileType::Regular), Errno::eexist);
}

KTEST(ram_fs, a_borrowed_file_is_copied_at_its_first_write_and_the_original_stays)
{
    Tree tree;
    static const char original[] = "from the ramdisk";
    MUST(tree.file_system->add_borrowed_file(*tree.root, "program", bytes(original)));
    kstd::RefPtr<fs::Vnode> file = MUST(tree.root->lookup("program"));
    std::byte buffer[4];
    EXPECT_EQ(MUST(file->read(0, buffer)), 4u);
    EXPECT_EQ(buffer[0], std::byte{'f'});
    MUST(file->write(0, bytes("FROM")));
    EXPECT_EQ(MUST(file->read(0, buffer)), 4u);
    EXPECT_EQ(buffer[0], std::byte{'F'});
    EXPECT_EQ(original[0], 'f', "the borrowed bytes were never written");
}

KTEST(ram_fs, directories_list_rename_and_remove_as_posix_says)
{
    Tree tree;
    kstd::RefPtr<fs::Vnode> directory = MUST(tree.root->create("d", fs::FileType::Directory));
    MUST(directory->create("a", fs::FileType::Regular));
    MUST(tree.root->create("b", fs::FileType::Regular));
    fs::DirectoryEntry entry;
    EXPECT_TRUE(MUST(directory->entry(0, entry)));
    EXPECT_TRUE(entry.name == ".");
    EXPECT_TRUE(MUST(directory->entry(2, entry)));
    EXPECT_TRUE(entry.name == "a");
    EXPECT_FALSE(MUST(directory->entry(3, entry)), "past the last");
    EXPECT_ERROR(tree.root->remove("d", fs::FileType::Directory), Errno::enotempty);
    EXPECT_ERROR(tree.root->remove("d", fs::FileType::Regular), Errno::eisdir);
    EXPECT_ERROR(tree.root->remove("b", fs::FileType::Directory), Errno::enotdir);
    MUST(directory->rename("a", *tree.root, "c"));        // across directories
    EXPECT_ERROR(directory->lookup("a"), Errno::enoent);
    MUST(tree.root->rename("c", *tree.root, "b"));        // onto a file: replaces it
    EXPECT_ERROR(tree.root->lookup("c"), Errno::enoent);
    EXPECT_ERROR(tree.root->rename("b", *tree.root, "d"), Errno::eisdir, "a file cannot replace a directory");
    MUST(tree.root->remove("b", fs::FileType::Regular));
    MUST(tree.root->remove("d", fs::FileType::Directory));
    EXPECT_FALSE(MUST(tree.root->entry(2, entry)), "the root is empty again");
    EXPECT_ERROR(tree.root->create("", fs::FileType::Regular), Errno::einval);
    EXPECT_ERROR(tree.root->create("a/b", fs::FileType::Regular), Errno::einval);
}

KTEST(ram_fs, a_removed_file_lives_on_while_it_is_held)
{
    Tree tree;
    kstd::RefPtr<fs::Vnode> file = MUST(tree.root->create("open", fs::FileType::Regular));
    MUST(file->write(0, bytes("still here")));
    MUST(tree.root->remove("open", fs::FileType::Regular));
    std::byte buffer[10];
    EXPECT_EQ(MUST(file->read(0, buffer)), 10u, "an open file outlives its name, as on Unix");
}

KTEST(ram_fs, a_whole_tree_gives_its_memory_back)
{
    const uint64_t live = mem::kernel_heap::statistics().heap.live_allocations;
    {
        Tree tree;
        kstd::RefPtr<fs::Vnode> directory = MUST(tree.root->create("d", fs::FileType::Directory));
        for (char c = 'a'; c <= 'z'; ++c) {
            kstd::RefPtr<fs::Vnode> file = MUST(directory->create(std::string_view(&c, 1), fs::FileType::Regular));
            MUST(file->write(0, bytes("some bytes")));
        }
    }
    EXPECT_EQ(mem::kernel_heap::statistics().heap.live_allocations, live);
}
