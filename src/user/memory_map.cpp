#include "user/memory_map.h"
#include <new>
#include "arch/x86_64/page_size.h"
#include "arch/x86_64/page_fill.h"
#include "mem/direct_map.h"
#include "mem/physical_memory.h"
#include "user/elf.h"
#include "user/program_loader.h"
#include "user/program_page_cache.h"

namespace user {

namespace {

constexpr uint64_t page = arch::page_size;

uint64_t page_up(uint64_t value)
{
    return (value + page - 1) & ~(page - 1);
}

// Linux's heuristic: refuse what could never fit, all of RAM at once.
bool larger_than_memory(uint64_t bytes)
{
    return bytes > mem::physical::statistics().total_frames * page;
}

// A region without a file behind it (aggregate initialisation would have to
// spell out the file's members).
Region region_of(uint64_t start, uint64_t end, bool readable, bool writable, bool executable, Region::Kind kind)
{
    Region region;
    region.start = start;
    region.end = end;
    region.readable = readable;
    region.writable = writable;
    region.executable = executable;
    region.kind = kind;
    return region;
}

// A page of a region as it starts: the program file's bytes that fall in
// it, zeros around them; all zeros for a region without a file.
struct PageFill {
    const Region* region;
    uint64_t address;
};

void fill_page(std::byte* bytes, const void* context)
{
    const auto& fill = *static_cast<const PageFill*>(context); // resolve_fault passes a PageFill
    const Region& region = *fill.region;
    if (!region.file) {
        arch::zero_page(bytes);
        return;
    }
    fill_program_page(bytes, fill.address, region.file->bytes(), region.file_start, region.file_end,
                      region.file_offset);
}

} // namespace

kstd::ErrorOr<MemoryMap*> MemoryMap::over(kstd::Expected<mem::UserAddressSpace*, mem::MapError> space)
{
    if (!space)
        return kstd::unexpected(kstd::Errno::enomem);
    auto* map = new (std::nothrow) MemoryMap(*space);
    if (map == nullptr) {
        delete *space;
        return kstd::unexpected(kstd::Errno::enomem);
    }
    return map;
}

kstd::ErrorOr<MemoryMap*> MemoryMap::create()
{
    return over(mem::UserAddressSpace::create());
}

kstd::ErrorOr<MemoryMap*> MemoryMap::clone()
{
    sched::MutexGuard guard(m_lock); // no region changes while the tables are copied
    MemoryMap* map = TRY(over(m_space->clone_for_fork()));
    map->m_regions = m_regions;
    map->m_count = m_count;
    map->m_heap_start = m_heap_start;
    map->m_heap_end = m_heap_end;
    return map;
}

MemoryMap::~MemoryMap()
{
    delete m_space;
}

Region* MemoryMap::find(uint64_t address)
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_regions[i].contains(address))
            return &m_regions[i];
        if (m_regions[i].start > address)
            break;
    }
    return nullptr;
}

bool MemoryMap::overlaps(uint64_t start, uint64_t end) const
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_regions[i].start < end && start < m_regions[i].end)
            return true;
    }
    return false;
}

kstd::ErrorOr<void> MemoryMap::insert(const Region& region)
{
    // Onto the end of a neighbour below that is the same in all but place.
    for (size_t i = 0; i < m_count; ++i) {
        Region& below = m_regions[i];
        if (below.end == region.start && below.readable == region.readable && below.writable == region.writable
            && below.executable == region.executable && below.kind == region.kind
            && region.kind == Region::Kind::Mapping) {
            below.end = region.end;
            return {};
        }
    }
    if (m_count == max_regions)
        return kstd::unexpected(kstd::Errno::enomem); // Linux's vm.max_map_count answer
    size_t at = 0;
    while (at < m_count && m_regions[at].start < region.start)
        ++at;
    for (size_t i = m_count; i > at; --i)
        m_regions[i] = m_regions[i - 1];
    m_regions[at] = region;
    ++m_count;
    return {};
}

void MemoryMap::unmap_pages(uint64_t start, uint64_t end)
{
    for (uint64_t address = start; address < end; address += page) {
        if (auto frame = space().unmap(arch::VirtAddr(address)))
            mem::physical::release(*frame);
    }
}

kstd::ErrorOr<void> MemoryMap::remove_range(uint64_t start, uint64_t end)
{
    // A region that straddles both edges becomes two: room for one more.
    for (size_t i = 0; i < m_count; ++i) {
        const Region region = m_regions[i];
        if (region.start < start && region.end > end && m_count == max_regions)
            return kstd::unexpected(kstd::Errno::enomem);
    }
    unmap_pages(start, end);
    for (size_t i = 0; i < m_count;) {
        Region& region = m_regions[i];
        if (region.end <= start || region.start >= end) {
            ++i;
            continue;
        }
        if (region.start < start && region.end > end) { // a hole in the middle
            Region upper = region;
            upper.start = end;
            region.end = start;
            MUST(insert(upper)); // room was checked above
            break;
        }
        if (region.start < start) {
            region.end = start;
            ++i;
        } else if (region.end > end) {
            region.start = end;
            ++i;
        } else { // wholly inside: gone
            for (size_t j = i; j + 1 < m_count; ++j)
                m_regions[j] = m_regions[j + 1];
            --m_count;
        }
    }
    return {};
}

kstd::ErrorOr<void> MemoryMap::add_program_region(uint64_t start, uint64_t end, bool writable, bool executable)
{
    sched::MutexGuard guard(m_lock);
    start &= ~(page - 1);
    end = page_up(end);
    TRY(insert(region_of(start, end, true, writable, executable, Region::Kind::Program)));
    if (end > m_heap_start)
        m_heap_start = m_heap_end = end;
    return {};
}

kstd::ErrorOr<void> MemoryMap::add_program_region(kstd::RefPtr<ProgramFile> file, uint64_t address,
                                                 uint64_t memory_size, uint64_t file_offset, uint64_t file_size,
                                                 bool writable, bool executable)
{
    sched::MutexGuard guard(m_lock);
    const uint64_t start = address & ~(page - 1), end = page_up(address + memory_size);
    Region region = region_of(start, end, true, writable, executable, Region::Kind::Program);
    region.file = static_cast<kstd::RefPtr<ProgramFile>&&>(file);
    region.file_start = address;
    region.file_end = address + file_size;
    region.file_offset = file_offset;
    TRY(insert(region));
    if (end > m_heap_start)
        m_heap_start = m_heap_end = end;
    return {};
}

kstd::ErrorOr<void> MemoryMap::add_stack_region()
{
    sched::MutexGuard guard(m_lock);
    return insert(region_of(stack_top - stack_reserve, stack_top, true, true, false, Region::Kind::Stack));
}

uint64_t MemoryMap::brk(uint64_t new_end)
{
    sched::MutexGuard guard(m_lock);
    // Linux's answer: the current end if the request cannot be met (or is 0).
    if (new_end < m_heap_start || new_end >= mmap_top || larger_than_memory(new_end - m_heap_start))
        return m_heap_end;
    const uint64_t old_top = page_up(m_heap_end), new_top = page_up(new_end);
    if (new_top > old_top) {
        if (overlaps(old_top, new_top))
            return m_heap_end;
        Region* heap = m_heap_end > m_heap_start ? find(old_top - 1) : nullptr;
        if (heap != nullptr && heap->kind == Region::Kind::Heap && heap->end == old_top)
            heap->end = new_top;
        else if (!insert(region_of(old_top, new_top, true, true, false, Region::Kind::Heap)))
            return m_heap_end;
    } else if (new_top < old_top) {
        if (!remove_range(new_top, old_top))
            return m_heap_end;
    }
    m_heap_end = new_end;
    return m_heap_end;
}

kstd::ErrorOr<uint64_t> MemoryMap::find_free(uint64_t length) const
{
    // Top down from mmap_top, below every region that lies under it.
    uint64_t end = mmap_top;
    for (size_t i = m_count; i-- > 0;) {
        const Region& region = m_regions[i];
        if (region.start >= end)
            continue;
        if (region.end <= end && end - region.end >= length)
            return end - length;
        end = region.start < end ? region.start : end;
    }
    if (end - elf::user_space_start >= length && end >= elf::user_space_start + length)
        return end - length;
    return kstd::unexpected(kstd::Errno::enomem);
}

kstd::ErrorOr<uint64_t> MemoryMap::mmap(uint64_t address, uint64_t length, uint64_t protection, uint64_t flags)
{
    const bool is_private = (flags & map_private) != 0, shared = (flags & map_shared) != 0;
    if (length == 0 || is_private == shared || (protection & ~(prot_read | prot_write | prot_exec)) != 0)
        return kstd::unexpected(kstd::Errno::einval);
    if ((flags & map_anonymous) == 0 || shared)
        return kstd::unexpected(kstd::Errno::enodev); // files and shared memory come with the file system
    if ((protection & prot_write) && (protection & prot_exec))
        return kstd::unexpected(kstd::Errno::eacces); // W^X
    if (length > elf::user_space_end || larger_than_memory(length))
        return kstd::unexpected(kstd::Errno::enomem);
    length = page_up(length);
    const bool fixed = (flags & (map_fixed | map_fixed_noreplace)) != 0;
    if (fixed && (address % page != 0 || address < elf::user_space_start || address + length > elf::user_space_end
                  || address + length < address))
        return kstd::unexpected(fixed && address % page != 0 ? kstd::Errno::einval : kstd::Errno::enomem);
    sched::MutexGuard guard(m_lock);
    if (fixed) {
        if (overlaps(address, address + length)) {
            if (flags & map_fixed_noreplace)
                return kstd::unexpected(kstd::Errno::eexist);
            TRY(remove_range(address, address + length));
        }
    } else {
        address = TRY(find_free(length));
    }
    TRY(insert(region_of(address, address + length, (protection & prot_read) != 0, (protection & prot_write) != 0,
                      (protection & prot_exec) != 0, Region::Kind::Mapping)));
    return address;
}

kstd::ErrorOr<void> MemoryMap::munmap(uint64_t address, uint64_t length)
{
    if (address % page != 0 || length == 0 || address < elf::user_space_start || length > elf::user_space_end
        || address + length > elf::user_space_end)
        return kstd::unexpected(kstd::Errno::einval);
    sched::MutexGuard guard(m_lock);
    const uint64_t end = page_up(address + length);
    TRY(remove_range(address, end));
    if (m_heap_end > m_heap_start && find(page_up(m_heap_end) - 1) == nullptr)
        m_heap_end = m_heap_start = page_up(m_heap_end); // the program cut its heap away
    return {};
}

kstd::ErrorOr<void> MemoryMap::mprotect(uint64_t address, uint64_t length, uint64_t protection)
{
    if (address % page != 0 || (protection & ~(prot_read | prot_write | prot_exec)) != 0)
        return kstd::unexpected(kstd::Errno::einval);
    if ((protection & prot_write) && (protection & prot_exec))
        return kstd::unexpected(kstd::Errno::eacces); // W^X
    if (length > elf::user_space_end || address + length > elf::user_space_end)
        return kstd::unexpected(kstd::Errno::enomem);
    const uint64_t end = page_up(address + length);
    sched::MutexGuard guard(m_lock);
    // Every page of the range must be in some region (Linux: ENOMEM).
    for (uint64_t at = address; at < end;) {
        const Region* region = find(at);
        if (region == nullptr)
            return kstd::unexpected(kstd::Errno::enomem);
        at = region->end;
    }
    if (m_count + 2 > max_regions)
        return kstd::unexpected(kstd::Errno::enomem);
    // Cut the range out of its regions and put it back with the new
    // protection, region by region (the kinds stay).
    for (uint64_t at = address; at < end;) {
        Region piece = *find(at);
        piece.start = at;
        piece.end = piece.end < end ? piece.end : end;
        piece.readable = (protection & prot_read) != 0;
        piece.writable = (protection & prot_write) != 0;
        piece.executable = (protection & prot_exec) != 0;
        // The pages keep their frames: only the regions are cut here.
        for (size_t i = 0; i < m_count; ++i) {
            Region& region = m_regions[i];
            if (!region.contains(at))
                continue;
            if (region.start < piece.start && region.end > piece.end) {
                Region upper = region;
                upper.start = piece.end;
                region.end = piece.start;
                MUST(insert(upper));
            } else if (region.start < piece.start) {
                region.end = piece.start;
            } else if (region.end > piece.end) {
                region.start = piece.end;
            } else {
                for (size_t j = i; j + 1 < m_count; ++j)
                    m_regions[j] = m_regions[j + 1];
                --m_count;
            }
            break;
        }
        MUST(insert(piece));
        // Pages already there take the new protection; a copy-on-write
        // page stays read-only until its write fault copies it.
        for (uint64_t page_address = piece.start; page_address < piece.end; page_address += page) {
            const arch::VirtAddr virt(page_address);
            (void)space().protect(virt, piece.protection()); // not mapped yet: nothing to change
        }
        at = piece.end;
    }
    return {};
}

FaultResolution MemoryMap::resolve_fault(uint64_t address, bool write, bool fetch, bool present)
{
    sched::MutexGuard guard(m_lock);
    const Region* region = find(address);
    if (region == nullptr || (write && !region->writable) || (fetch && !region->executable)
        || (!write && !fetch && !region->readable))
        return FaultResolution::NotAllowed;
    const arch::VirtAddr page_address(address & ~(page - 1));
    if (present) {
        if (!write)
            return FaultResolution::NotAllowed; // a present page that faults on a read: a protection the region does not explain
        auto copied = space().resolve_copy_on_write(page_address);
        if (!copied)
            return FaultResolution::OutOfMemory;
        return *copied ? FaultResolution::Resolved : FaultResolution::NotAllowed;
    }
    std::optional<arch::PhysAddr> frame;
    if (region->file && !region->writable && region->file->immortal()) {
        // A read-only page of a program that never changes: shared by every
        // process that runs it (user/program_page_cache.h).
        const program_page_cache::Key key{region->file->bytes().data(), page_address.value(), region->file_start,
                                          region->file_end, region->file_offset};
        const PageFill fill{region, page_address.value()};
        frame = program_page_cache::frame_for(key, &fill_page, &fill);
    } else if (auto fresh = mem::physical::allocate()) {
        frame = *fresh;
        // A fresh frame through the direct map: kernel memory, 4 KiB, writable.
        const PageFill fill{region, page_address.value()};
        fill_page(mem::direct_map_address(*frame).as_pointer<std::byte>(), &fill);
    }
    if (!frame)
        return FaultResolution::OutOfMemory;
    if (auto mapped = space().map(page_address, *frame, region->protection()); !mapped) {
        mem::physical::release(*frame); // a kept page's share back, or a fresh frame freed
        if (mapped.error() == mem::MapError::AlreadyMapped)
            return FaultResolution::Resolved; // another thread of the program mapped it first
        return FaultResolution::OutOfMemory;  // no frame for a page table
    }
    return FaultResolution::Resolved;
}

} // namespace user
