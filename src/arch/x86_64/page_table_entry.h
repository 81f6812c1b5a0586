#pragma once
// A page-table entry of any level of 4-level paging, with its bits named
// (Intel SDM vol. 3, 4.5 "4-Level Paging and 5-Level Paging", tables 4-15 to
// 4-20). The kernel's page tables are arrays of these.

#include <cstdint>
#include "arch/x86_64/address.h"
#include "arch/x86_64/page_size.h"
#include "kstd/format.h"

namespace arch {

// The flags a mapping can carry. Values are the entry's own bits.
enum class PageFlags : uint64_t {
    None = 0,
    Present = 1ull << 0,
    Writable = 1ull << 1,
    User = 1ull << 2,
    WriteThrough = 1ull << 3,
    CacheDisable = 1ull << 4,
    Accessed = 1ull << 5,
    Dirty = 1ull << 6,
    Huge = 1ull << 7,   // PDPT: 1 GiB page, PD: 2 MiB page (PS bit)
    Global = 1ull << 8,
    // Bits 9-11 are ignored by the CPU and left to software (SDM vol. 3,
    // tables 4-19 and 4-20, "Ignored"). A leaf with this bit is read-only
    // because its frame is shared after a fork: a write fault on it copies
    // the frame (mem::AddressSpace::resolve_copy_on_write) instead of
    // killing the program.
    CopyOnWrite = 1ull << 9,
    NoExecute = 1ull << 63, // needs EFER.NXE, else a reserved bit
};

constexpr PageFlags operator|(PageFlags a, PageFlags b)
{
    return static_cast<PageFlags>(static_cast<uint64_t>(a) | static_cast<uint64_t>(b));
}
constexpr PageFlags operator&(PageFlags a, PageFlags b)
{
    return static_cast<PageFlags>(static_cast<uint64_t>(a) & static_cast<uint64_t>(b));
}
constexpr PageFlags operator~(PageFlags a)
{
    return static_cast<PageFlags>(~static_cast<uint64_t>(a));
}
constexpr bool has(PageFlags flags, PageFlags flag)
{
    return (flags & flag) != PageFlags::None;
}

// How the CPU caches a page (Intel SDM vol. 3, 12.12 "Page Attribute Table").
// The entry's PWT and PCD bits pick one of the PAT's eight memory types
// (the PAT bit is never set here, so only entries 0-3 are used):
//   WriteBack       PAT 0 (PWT 0, PCD 0): RAM, the default
//   WriteCombining  PAT 1 (PWT 1, PCD 0): a framebuffer; entry 1 is
//                   write-through at reset and reprogrammed to WC by
//                   arch::enable_write_combining() (write-through where the
//                   CPU has no PAT: still correct, only slower)
//   Uncached        PAT 3 (PWT 1, PCD 1): device registers (UC at reset)
enum class Caching : uint8_t {
    WriteBack,
    WriteCombining,
    Uncached,
};

// What a caller asks for: the protection of a page.
struct Protection {
    bool writable = false;
    bool executable = false;
    bool user = false; // reachable from ring 3 (the U/S bit); only in the lower half
    Caching caching = Caching::WriteBack;

    static constexpr Protection read_only() { return {false, false}; }
    static constexpr Protection read_write() { return {true, false}; }
    static constexpr Protection read_execute() { return {false, true}; }
    static constexpr Protection user_read_write() { return {true, false, true}; }
    static constexpr Protection user_read_execute() { return {false, true, true}; }
    constexpr bool operator==(const Protection&) const = default;
};

// The flags of a leaf entry for `protection`. `no_execute_enabled` says
// whether EFER.NXE is on (arch/x86_64/cpu_features.h): without it bit 63 is a
// reserved bit that makes every walk through the entry fault, so a page that
// should not be executable is mapped executable, the most such a CPU can do.
constexpr PageFlags leaf_flags(Protection protection, bool no_execute_enabled)
{
    PageFlags flags = PageFlags::Present;
    if (protection.writable)
        flags = flags | PageFlags::Writable;
    if (!protection.executable && no_execute_enabled)
        flags = flags | PageFlags::NoExecute;
    if (protection.user)
        flags = flags | PageFlags::User;
    if (protection.caching != Caching::WriteBack)
        flags = flags | PageFlags::WriteThrough;
    if (protection.caching == Caching::Uncached)
        flags = flags | PageFlags::CacheDisable;
    return flags;
}

// What the CPU enforces for a page mapped with `requested`: without NX every
// present page can be executed.
constexpr Protection enforced_protection(Protection requested, bool no_execute_enabled)
{
    return {requested.writable, requested.executable || !no_execute_enabled, requested.user, requested.caching};
}

class PageTableEntry {
public:
    static constexpr uint64_t address_mask = 0x000F'FFFF'FFFF'F000ull;
    static constexpr unsigned entries_per_table = 512;

    constexpr PageTableEntry() = default;
    constexpr explicit PageTableEntry(uint64_t raw) : m_raw(raw) {}
    constexpr PageTableEntry(PhysAddr address, PageFlags flags)
        : m_raw((address.value() & address_mask) | static_cast<uint64_t>(flags))
    {
    }

    constexpr uint64_t raw() const { return m_raw; }
    constexpr bool is(PageFlags flag) const { return (m_raw & static_cast<uint64_t>(flag)) != 0; }
    constexpr bool present() const { return is(PageFlags::Present); }
    constexpr bool huge() const { return is(PageFlags::Huge); }
    constexpr bool copy_on_write() const { return is(PageFlags::CopyOnWrite); }
    constexpr bool empty() const { return m_raw == 0; }
    constexpr PhysAddr address() const { return PhysAddr(m_raw & address_mask); }
    constexpr PageFlags flags() const { return static_cast<PageFlags>(m_raw & ~address_mask); }
    constexpr Protection protection() const
    {
        const Caching caching = !is(PageFlags::WriteThrough)  ? Caching::WriteBack
                                : is(PageFlags::CacheDisable) ? Caching::Uncached
                                                              : Caching::WriteCombining;
        return {is(PageFlags::Writable), !is(PageFlags::NoExecute), is(PageFlags::User), caching};
    }
    // The same entry with one flag set or cleared.
    constexpr PageTableEntry with(PageFlags flag, bool set) const
    {
        const uint64_t bits = static_cast<uint64_t>(flag);
        return PageTableEntry(set ? m_raw | bits : m_raw & ~bits);
    }

private:
    uint64_t m_raw = 0;
};
static_assert(sizeof(PageTableEntry) == 8);

// The flags by name, lowest bit first: "present writable user copy-on-write"
// (for reports of page-table entries). "none" for no flag; bits without a
// name (PAT, protection keys, the other software bits) print as one number.
inline void format_value(kstd::Sink& sink, PageFlags flags, const kstd::FormatSpec&)
{
    struct Named {
        PageFlags flag;
        const char* name;
    };
    static constexpr Named names[] = {
        {PageFlags::Present, "present"},
        {PageFlags::Writable, "writable"},
        {PageFlags::User, "user"},
        {PageFlags::WriteThrough, "write-through"},
        {PageFlags::CacheDisable, "cache-disable"},
        {PageFlags::Accessed, "accessed"},
        {PageFlags::Dirty, "dirty"},
        {PageFlags::Huge, "huge"},
        {PageFlags::Global, "global"},
        {PageFlags::CopyOnWrite, "copy-on-write"},
        {PageFlags::NoExecute, "no-execute"},
    };
    uint64_t rest = static_cast<uint64_t>(flags);
    const char* separator = "";
    for (const Named& named : names) {
        if (!has(flags, named.flag))
            continue;
        kstd::format_to(sink, "{}{}", separator, named.name);
        rest &= ~static_cast<uint64_t>(named.flag);
        separator = " ";
    }
    if (rest != 0)
        kstd::format_to(sink, "{}{:#x}", separator, rest);
    else if (*separator == '\0')
        sink.write("none");
}

// "0x0000000000123000 present user copy-on-write": the frame, then the flags.
inline void format_value(kstd::Sink& sink, PageTableEntry entry, const kstd::FormatSpec&)
{
    kstd::format_to(sink, "{} {}", entry.address(), entry.flags());
}

// One page table of any level: 512 entries in one 4 KiB frame.
struct alignas(page_size) PageTable {
    PageTableEntry entries[PageTableEntry::entries_per_table];
};
static_assert(sizeof(PageTable) == page_size);

} // namespace arch
