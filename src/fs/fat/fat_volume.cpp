#include "fs/fat/fat_volume.h"

namespace fs::fat {

namespace {

constexpr uint32_t end_mark = 0xFFFFFFFF; // next_cluster(): the chain ends here
constexpr uint32_t entry_size = 32;
constexpr uint32_t max_directory_entries = 65536; // fatgen103 6: a directory holds at most 65536 entries
constexpr uint32_t max_long_entries = 20;         // 20 * 13 >= 255 characters
constexpr uint32_t compared_fat_sectors = 256;
// Entries written here carry one fixed time, 2026-01-01 00:00 (the volume
// code has no clock): fatgen103 6: date = (year - 1980) << 9 | month << 5 | day.
constexpr uint16_t fixed_date = (2026 - 1980) << 9 | 1 << 5 | 1;

kstd::Unexpected<Error> fail(Problem problem, uint64_t value = 0, uint64_t limit = 0)
{
    Error error{problem};
    error.value = value;
    error.limit = limit;
    return kstd::unexpected(error);
}

kstd::Unexpected<Error> fail_at(Problem problem, std::string_view path, uint64_t value = 0, uint64_t limit = 0)
{
    Error error{problem};
    error.value = value;
    error.limit = limit;
    error.set_path(path);
    return kstd::unexpected(error);
}

template <typename T>
kstd::Expected<T, Error> at_path(kstd::Expected<T, Error>&& result, std::string_view path)
{
    if (result)
        return std::move(result);
    Error error = result.release_error();
    error.set_path(path);
    return kstd::unexpected(error);
}

uint32_t le16(const uint8_t* p)
{
    return p[0] | uint32_t{p[1]} << 8;
}
uint32_t le32(const uint8_t* p)
{
    return le16(p) | le16(p + 2) << 16;
}
void put16(uint8_t* p, uint32_t value)
{
    p[0] = static_cast<uint8_t>(value);
    p[1] = static_cast<uint8_t>(value >> 8);
}
void put32(uint8_t* p, uint32_t value)
{
    put16(p, value);
    put16(p + 2, value >> 16);
}

std::span<std::byte> bytes_of(uint8_t* p, size_t size)
{
    return {reinterpret_cast<std::byte*>(p), size};
}

// The next component of `path` from `at` ("" at the end); repeated slashes are one.
std::string_view next_component(std::string_view path, size_t& at)
{
    while (at < path.size() && path[at] == '/')
        ++at;
    const size_t start = at;
    while (at < path.size() && path[at] != '/')
        ++at;
    return path.substr(start, at - start);
}

// The long-name characters of an entry (fatgen103 7: LDIR_Name1, 2, 3).
constexpr uint8_t long_char_offsets[chars_per_long_entry] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

bool usable_name(std::string_view name)
{
    return !name.empty() && name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

bool is_dot_entry(const uint8_t* raw)
{
    if (raw[0] != '.')
        return false;
    for (size_t i = raw[1] == '.' ? 2 : 1; i < 11; ++i) {
        if (raw[i] != ' ')
            return false;
    }
    return true;
}

} // namespace

// ---- sectors ---------------------------------------------------------------

kstd::Expected<std::byte*, Error> Volume::block(uint64_t number)
{
    if (number == m_buffered)
        return m_buffer;
    TRY(write_back());
    auto read = m_device->read(number, 1, m_buffer);
    if (!read) {
        m_buffered = ~uint64_t{0};
        Error error{Problem::Device};
        error.block = read.error();
        error.value = number;
        return kstd::unexpected(error);
    }
    m_buffered = number;
    return m_buffer;
}

kstd::Expected<void, Error> Volume::write_back()
{
    if (!m_dirty)
        return {};
    m_dirty = false;
    auto written = m_device->write(m_buffered, 1, m_buffer);
    if (!written) {
        Error error{Problem::Device};
        error.block = written.error();
        error.value = m_buffered;
        m_buffered = ~uint64_t{0};
        return kstd::unexpected(error);
    }
    return {};
}

kstd::Expected<void, Error> Volume::read_bytes(uint64_t at, std::span<std::byte> into)
{
    constexpr uint32_t size = 512;
    for (size_t done = 0; done < into.size();) {
        const std::byte* data = TRY(block((at + done) / size));
        const size_t within = (at + done) % size;
        const size_t count = into.size() - done < size - within ? into.size() - done : size - within;
        __builtin_memcpy(into.data() + done, data + within, count);
        done += count;
    }
    return {};
}

kstd::Expected<void, Error> Volume::write_bytes(uint64_t at, std::span<const std::byte> from)
{
    constexpr uint32_t size = 512;
    for (size_t done = 0; done < from.size();) {
        std::byte* data = TRY(block((at + done) / size));
        const size_t within = (at + done) % size;
        const size_t count = from.size() - done < size - within ? from.size() - done : size - within;
        __builtin_memcpy(data + within, from.data() + done, count);
        m_dirty = true;
        done += count;
    }
    return {};
}

kstd::Expected<void, Error> Volume::fill_zero(uint64_t at, uint64_t count)
{
    constexpr uint32_t size = 512;
    for (uint64_t done = 0; done < count;) {
        std::byte* data = TRY(block((at + done) / size));
        const uint64_t within = (at + done) % size;
        const uint64_t chunk = count - done < size - within ? count - done : size - within;
        __builtin_memset(data + within, 0, chunk);
        m_dirty = true;
        done += chunk;
    }
    return {};
}

kstd::Expected<void, Error> Volume::finish()
{
    if (m_fsinfo_dirty && m_layout.fsinfo_sector != 0) {
        // FSInfo (fatgen103 5): FSI_Free_Count at 488, FSI_Nxt_Free at 492.
        uint8_t values[8];
        put32(values, m_free_count);
        put32(values + 4, m_next_free);
        TRY(write_bytes(uint64_t{m_layout.fsinfo_sector} * m_layout.bytes_per_sector + 488, bytes_of(values, 8)));
    }
    m_fsinfo_dirty = false;
    return write_back();
}

kstd::Expected<void, Error> Volume::sync()
{
    TRY(finish());
    if (auto flushed = m_device->flush(); !flushed) {
        Error error{Problem::Device};
        error.block = flushed.error();
        return kstd::unexpected(error);
    }
    return {};
}

// ---- mounting --------------------------------------------------------------

kstd::Expected<Volume, Error> Volume::mount(drivers::BlockDevice& device, DifferingFats differing)
{
    if (device.block_size() != 512)
        return fail(Problem::DeviceBlockSize, device.block_size());
    if (device.block_count() == 0)
        return fail(Problem::Truncated, 0, 1);
    std::byte first[512];
    if (auto read = device.read(0, 1, first); !read) {
        Error error{Problem::Device};
        error.block = read.error();
        return kstd::unexpected(error);
    }
    const Layout layout = TRY(parse_boot_sector(std::span<const std::byte, 512>(first, 512)));
    const uint64_t blocks = layout.total_sectors * (layout.bytes_per_sector / 512);
    if (blocks > device.block_count())
        return fail(Problem::Truncated, device.block_count(), blocks);

    Volume volume(device, layout);
    if (layout.fat_count == 2 && layout.mirrored) {
        const uint32_t per_sector = layout.bytes_per_sector / 512;
        const uint32_t sectors = layout.fat_sectors < compared_fat_sectors ? layout.fat_sectors : compared_fat_sectors;
        std::byte copy[512];
        for (uint64_t b = 0; b < uint64_t{sectors} * per_sector; ++b) {
            const std::byte* one = TRY(volume.block(layout.fat_start() * per_sector + b));
            __builtin_memcpy(copy, one, 512);
            const std::byte* two = TRY(volume.block((layout.fat_start() + layout.fat_sectors) * per_sector + b));
            for (uint32_t i = 0; i < 512; ++i) {
                if (copy[i] != two[i] && differing == DifferingFats::Refuse)
                    return fail(Problem::FatCopiesDiffer, b / per_sector, b * 512 + i);
            }
        }
        if (differing == DifferingFats::UseFirst) {
            // The whole first copy over the second, sector by sector.
            for (uint64_t b = 0; b < uint64_t{layout.fat_sectors} * per_sector; ++b) {
                std::byte sector[512];
                if (auto read = device.read(layout.fat_start() * per_sector + b, 1, sector); !read) {
                    Error error{Problem::Device};
                    error.block = read.error();
                    return kstd::unexpected(error);
                }
                if (auto written = device.write((layout.fat_start() + layout.fat_sectors) * per_sector + b, 1, sector);
                    !written) {
                    Error error{Problem::Device};
                    error.block = written.error();
                    return kstd::unexpected(error);
                }
            }
        }
    }

    if (layout.type == FatType::Fat32 && layout.fsinfo_sector != 0) {
        uint8_t info[512];
        TRY(volume.read_bytes(uint64_t{layout.fsinfo_sector} * layout.bytes_per_sector, bytes_of(info, 512)));
        // fatgen103 5: the lead, struct and trail signatures.
        if (le32(info) == 0x41615252 && le32(info + 484) == 0x61417272 && le32(info + 508) == 0xAA550000) {
            volume.m_free_count = le32(info + 488);
            if (volume.m_free_count > layout.cluster_count)
                volume.m_free_count = 0xFFFFFFFF;
            volume.m_next_free = le32(info + 492);
        } else {
            volume.m_layout.fsinfo_sector = 0; // not an FSInfo sector: leave it alone
        }
    }
    if (volume.m_next_free < 2 || volume.m_next_free > layout.max_cluster())
        volume.m_next_free = 2;
    return volume;
}

// ---- the FAT ---------------------------------------------------------------

uint64_t Volume::cluster_offset(uint32_t cluster) const
{
    return m_layout.cluster_sector(cluster) * m_layout.bytes_per_sector;
}

uint32_t Volume::end_of_chain() const
{
    switch (m_layout.type) {
    case FatType::Fat12: return 0xFFF;
    case FatType::Fat16: return 0xFFFF;
    case FatType::Fat32: return 0x0FFFFFFF;
    }
    return 0x0FFFFFFF;
}

kstd::Expected<void, Error> Volume::check_cluster(uint32_t cluster)
{
    if (cluster < 2 || cluster > m_layout.max_cluster())
        return fail(Problem::ClusterOutOfRange, cluster, m_layout.max_cluster());
    return {};
}

kstd::Expected<uint32_t, Error> Volume::fat_entry(uint32_t cluster, uint32_t fat)
{
    if (!m_layout.mirrored)
        fat = m_layout.active_fat;
    const uint64_t base = (m_layout.fat_start() + uint64_t{fat} * m_layout.fat_sectors) * m_layout.bytes_per_sector;
    uint8_t raw[4] = {};
    switch (m_layout.type) {
    case FatType::Fat12: {
        // 12 bits per entry, two entries in three bytes (fatgen103 4).
        TRY(read_bytes(base + cluster + cluster / 2, bytes_of(raw, 2)));
        const uint32_t pair = le16(raw);
        return cluster & 1 ? pair >> 4 : pair & 0xFFF;
    }
    case FatType::Fat16: TRY(read_bytes(base + uint64_t{cluster} * 2, bytes_of(raw, 2))); return le16(raw);
    case FatType::Fat32:
        TRY(read_bytes(base + uint64_t{cluster} * 4, bytes_of(raw, 4)));
        return le32(raw) & 0x0FFFFFFF; // the top 4 bits are reserved
    }
    return 0u;
}

kstd::Expected<void, Error> Volume::set_fat_entry(uint32_t cluster, uint32_t value)
{
    m_read_cursor = Chain{}; // a chain may have changed under it
    for (uint32_t fat = 0; fat < m_layout.fat_count; ++fat) {
        if (!m_layout.mirrored && fat != m_layout.active_fat)
            continue;
        const uint64_t base = (m_layout.fat_start() + uint64_t{fat} * m_layout.fat_sectors) * m_layout.bytes_per_sector;
        uint8_t raw[4];
        switch (m_layout.type) {
        case FatType::Fat12: {
            const uint64_t at = base + cluster + cluster / 2;
            TRY(read_bytes(at, bytes_of(raw, 2)));
            uint32_t pair = le16(raw);
            pair = cluster & 1 ? (pair & 0x000F) | (value & 0xFFF) << 4 : (pair & 0xF000) | (value & 0xFFF);
            put16(raw, pair);
            TRY(write_bytes(at, bytes_of(raw, 2)));
            break;
        }
        case FatType::Fat16:
            put16(raw, value);
            TRY(write_bytes(base + uint64_t{cluster} * 2, bytes_of(raw, 2)));
            break;
        case FatType::Fat32: {
            const uint64_t at = base + uint64_t{cluster} * 4;
            TRY(read_bytes(at, bytes_of(raw, 4)));
            put32(raw, (le32(raw) & 0xF0000000) | (value & 0x0FFFFFFF));
            TRY(write_bytes(at, bytes_of(raw, 4)));
            break;
        }
        }
    }
    return {};
}

kstd::Expected<uint32_t, Error> Volume::next_cluster(uint32_t cluster)
{
    const uint32_t value = TRY(fat_entry(cluster));
    const uint32_t bad = end_of_chain() - 8; // 0xFF7, 0xFFF7, 0x0FFFFFF7
    if (value > bad)
        return end_mark;
    if (value < 2 || value == bad)
        return fail(Problem::ChainBroken, cluster, value);
    if (value > m_layout.max_cluster())
        return fail(Problem::ClusterOutOfRange, value, m_layout.max_cluster());
    return value;
}

kstd::Expected<uint32_t, Error> Volume::seek(Chain& chain, uint32_t index)
{
    if (chain.first == 0)
        return 0u;
    if (chain.cluster == 0 || index < chain.index) {
        TRY(check_cluster(chain.first));
        chain.index = 0;
        chain.cluster = chain.first;
    }
    while (chain.index < index) {
        const uint32_t next = TRY(next_cluster(chain.cluster));
        if (next == end_mark)
            return 0u;
        // A chain of distinct clusters has at most cluster_count of them.
        if (chain.index + 1 >= m_layout.cluster_count)
            return fail(Problem::ChainLoops, next, m_layout.cluster_count);
        chain.cluster = next;
        ++chain.index;
    }
    return chain.cluster;
}

kstd::Expected<uint32_t, Error> Volume::chain_length(uint32_t first)
{
    if (first == 0)
        return 0u;
    TRY(check_cluster(first));
    uint32_t count = 1;
    for (uint32_t cluster = first;; ++count) {
        const uint32_t next = TRY(next_cluster(cluster));
        if (next == end_mark)
            return count;
        if (count >= m_layout.cluster_count)
            return fail(Problem::ChainLoops, next, m_layout.cluster_count);
        cluster = next;
    }
}

kstd::Expected<uint32_t, Error> Volume::allocate_cluster(uint32_t previous)
{
    const uint32_t count = m_layout.cluster_count;
    const uint32_t start = m_next_free - 2;
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t cluster = 2 + (start + i) % count;
        if (TRY(fat_entry(cluster)) != 0)
            continue;
        TRY(set_fat_entry(cluster, end_of_chain()));
        if (previous != 0)
            TRY(set_fat_entry(previous, cluster));
        m_next_free = cluster + 1 > m_layout.max_cluster() ? 2 : cluster + 1;
        if (m_free_count != 0xFFFFFFFF && m_free_count > 0)
            --m_free_count;
        m_fsinfo_dirty = true;
        return cluster;
    }
    return fail(Problem::NoSpace, count);
}

kstd::Expected<void, Error> Volume::free_chain(uint32_t first)
{
    if (first == 0)
        return {};
    // The whole chain is checked first, so a broken one is left as it was.
    TRY(chain_length(first));
    uint32_t cluster = first;
    for (uint32_t count = 1;; ++count) {
        const uint32_t next = TRY(next_cluster(cluster));
        TRY(set_fat_entry(cluster, 0));
        if (m_free_count != 0xFFFFFFFF && m_free_count < m_layout.cluster_count)
            ++m_free_count;
        m_fsinfo_dirty = true;
        if (next == end_mark)
            return {};
        if (count >= m_layout.cluster_count)
            return fail(Problem::ChainLoops, next, m_layout.cluster_count);
        cluster = next;
    }
}

kstd::Expected<uint32_t, Error> Volume::count_free_clusters()
{
    uint32_t free = 0;
    for (uint32_t cluster = 2; cluster <= m_layout.max_cluster(); ++cluster) {
        if (TRY(fat_entry(cluster)) == 0)
            ++free;
    }
    return free;
}

// ---- directories -----------------------------------------------------------

uint32_t Volume::directory_cluster(const Node& node) const
{
    if (node.is_root)
        return m_layout.type == FatType::Fat32 ? m_layout.root_cluster : 0;
    return node.first_cluster;
}

kstd::Expected<uint64_t, Error> Volume::slot_offset(uint32_t directory, Chain& chain, uint32_t index)
{
    if (directory == 0) { // FAT12/16's fixed root directory
        if (index >= m_layout.root_entries)
            return uint64_t{0};
        return m_layout.root_start() * m_layout.bytes_per_sector + uint64_t{index} * entry_size;
    }
    if (index >= max_directory_entries)
        return uint64_t{0};
    chain.first = directory;
    const uint32_t per_cluster = m_layout.cluster_bytes() / entry_size;
    const uint32_t cluster = TRY(seek(chain, index / per_cluster));
    if (cluster == 0)
        return uint64_t{0};
    return cluster_offset(cluster) + uint64_t{index % per_cluster} * entry_size;
}

kstd::Expected<bool, Error> Volume::scan(uint32_t directory, bool (*visit)(void*, const Node&), void* context)
{
    Chain chain;
    uint16_t long_name[max_long_entries * chars_per_long_entry];
    bool long_valid = false;
    uint32_t long_next = 0;   // the ordinal the next long entry must have
    uint32_t long_count = 0;  // entries in the name
    uint8_t long_checksum = 0;
    uint32_t long_first = 0;
    Node node;
    for (uint32_t index = 0;; ++index) {
        const uint64_t at = TRY(slot_offset(directory, chain, index));
        if (at == 0)
            return false;
        uint8_t raw[entry_size];
        TRY(read_bytes(at, bytes_of(raw, entry_size)));
        if (raw[0] == 0x00) // fatgen103 6: this and every later entry are free
            return false;
        if (raw[0] == 0xE5) {
            long_valid = false;
            continue;
        }
        const uint8_t attributes = raw[11];
        if ((attributes & 0x3F) == attr_long_name) {
            const uint32_t ordinal = raw[0] & 0x1F;
            if (raw[0] & 0x40) {
                long_valid = ordinal >= 1 && ordinal <= max_long_entries;
                long_count = ordinal;
                long_checksum = raw[13];
                long_first = index;
            } else if (!long_valid || ordinal != long_next || raw[13] != long_checksum) {
                long_valid = false;
            }
            if (long_valid) {
                for (size_t i = 0; i < chars_per_long_entry; ++i)
                    long_name[(ordinal - 1) * chars_per_long_entry + i] = static_cast<uint16_t>(le16(raw + long_char_offsets[i]));
                long_next = ordinal - 1;
            }
            continue;
        }
        // A short entry: it ends any long name before it, which belongs to it
        // only if complete and its checksum matches.
        const bool has_long = long_valid && long_next == 0 && short_name_checksum(raw) == long_checksum;
        long_valid = false;
        if ((attributes & attr_volume_id) || is_dot_entry(raw))
            continue;
        node.short_length = static_cast<uint8_t>(short_name_text(raw, raw[12], node.short_name));
        size_t length = 0;
        if (has_long) {
            const size_t limit = long_count * chars_per_long_entry;
            while (length < limit && length < max_long_name && long_name[length] != 0)
                ++length;
        }
        if (length > 0) {
            node.name_length = static_cast<uint16_t>(ucs2_to_utf8(long_name, length, node.name_bytes));
            if (!usable_name(node.name()))
                length = 0;
        }
        if (length == 0) {
            __builtin_memcpy(node.name_bytes, node.short_name, node.short_length);
            node.name_length = node.short_length;
        }
        // A name that is empty or holds a "/" or a NUL (a short name of
        // spaces, bytes no FAT writer puts there) can be neither shown in a
        // path nor looked up: the entry is skipped, as if deleted.
        if (!usable_name(node.name()))
            continue;
        node.attributes = attributes;
        node.first_cluster = le16(raw + 26) | (m_layout.type == FatType::Fat32 ? le16(raw + 20) << 16 : 0);
        node.size = le32(raw + 28);
        node.is_root = false;
        node.parent = directory;
        node.slot = index;
        node.first_slot = has_long && length > 0 ? long_first : index;
        if (visit(context, node))
            return true;
    }
}

// What a node's entry must satisfy before it is followed.
static kstd::Expected<void, Error> check_entry(const Node& node, const Layout& layout)
{
    if (node.is_root)
        return {};
    if (node.is_directory() && node.first_cluster == 0)
        return fail(Problem::BadDirectory, 0);
    if (node.first_cluster == 0 && node.size != 0)
        return fail(Problem::SizeBeyondChain, node.size, 0);
    if (node.first_cluster != 0 && (node.first_cluster < 2 || node.first_cluster > layout.max_cluster()))
        return fail(Problem::ClusterOutOfRange, node.first_cluster, layout.max_cluster());
    return {};
}

kstd::Expected<Node, Error> Volume::find_in(const Node& directory, std::string_view name)
{
    struct Search {
        std::string_view name;
        Node* found;
    };
    Node found;
    Search search{name, &found};
    const bool hit = TRY(scan(directory_cluster(directory), [](void* context, const Node& node) {
        auto& s = *static_cast<Search*>(context);
        if (!names_equal(node.name(), s.name) && !names_equal(node.short_view(), s.name))
            return false;
        *s.found = node;
        return true;
    }, &search));
    if (!hit)
        return fail(Problem::NotFound);
    return found;
}

kstd::Expected<Node, Error> Volume::lookup(std::string_view path)
{
    Node node; // the root
    for (size_t at = 0;;) {
        const std::string_view name = next_component(path, at);
        if (name.empty())
            return node;
        if (!node.is_directory())
            return fail(Problem::NotADirectory);
        if (name == "." || name == "..")
            return fail(Problem::InvalidName);
        node = TRY(find_in(node, name));
        TRY(check_entry(node, m_layout));
    }
}

kstd::Expected<Node, Error> Volume::parent_of(std::string_view path, std::string_view& name)
{
    size_t end = path.size();
    while (end > 0 && path[end - 1] == '/')
        --end;
    size_t slash = end;
    while (slash > 0 && path[slash - 1] != '/')
        --slash;
    name = path.substr(slash, end - slash);
    if (name.empty() || name == "." || name == "..")
        return fail(Problem::InvalidName);
    const Node parent = TRY(lookup(path.substr(0, slash)));
    if (!parent.is_directory())
        return fail(Problem::NotADirectory);
    return parent;
}

kstd::Expected<Node, Error> Volume::stat(std::string_view path)
{
    return at_path(lookup(path), path);
}

kstd::Expected<size_t, Error> Volume::read(const Node& file, uint64_t offset, std::span<std::byte> buffer)
{
    if (file.is_directory())
        return fail_at(Problem::IsADirectory, file.name());
    if (offset >= file.size)
        return size_t{0};
    const uint64_t count = buffer.size() < file.size - offset ? buffer.size() : file.size - offset;
    if (auto checked = check_entry(file, m_layout); !checked)
        return at_path(kstd::Expected<size_t, Error>(kstd::unexpected(checked.error())), file.name());
    const uint32_t cluster_bytes = m_layout.cluster_bytes();
    Chain chain = m_read_cursor.first == file.first_cluster && m_read_cursor.cluster != 0 ? m_read_cursor
                                                                                          : Chain{file.first_cluster};
    for (uint64_t done = 0; done < count;) {
        const uint64_t position = offset + done;
        auto cluster = seek(chain, static_cast<uint32_t>(position / cluster_bytes));
        if (!cluster)
            return at_path(kstd::Expected<size_t, Error>(kstd::unexpected(cluster.error())), file.name());
        if (*cluster == 0)
            return fail_at(Problem::SizeBeyondChain, file.name(), file.size,
                           (uint64_t{chain.index} + 1) * cluster_bytes);
        const uint64_t within = position % cluster_bytes;
        const uint64_t chunk = count - done < cluster_bytes - within ? count - done : cluster_bytes - within;
        TRY(read_bytes(cluster_offset(*cluster) + within, buffer.subspan(done, chunk)));
        done += chunk;
    }
    // At the end of the file, the rest of the chain must end: a chain that
    // loops back into itself would otherwise read as a file of repeated
    // clusters. (A chain longer than the size is fine: fsck.fat trims it.)
    m_read_cursor = chain;
    if (offset + count == file.size && count > 0) {
        if (auto rest = seek(chain, m_layout.cluster_count); !rest)
            return at_path(kstd::Expected<size_t, Error>(kstd::unexpected(rest.error())), file.name());
    }
    return static_cast<size_t>(count);
}

kstd::Expected<void, Error> Volume::list_raw(std::string_view path, void (*visit)(void*, const Node&), void* context)
{
    const Node directory = TRY(at_path(lookup(path), path));
    if (!directory.is_directory())
        return fail_at(Problem::NotADirectory, path);
    struct Listing {
        const Layout* layout;
        std::string_view path;
        void (*visit)(void*, const Node&);
        void* context;
        Error error;
        bool failed;
    };
    Listing listing{&m_layout, path, visit, context, Error{Problem::NotFound}, false};
    auto scanned = scan(directory_cluster(directory), [](void* raw, const Node& node) {
        auto& l = *static_cast<Listing*>(raw);
        if (auto checked = check_entry(node, *l.layout); !checked) {
            // Name the entry: the directory's path, "/", its name.
            char joined[Error::max_path];
            size_t length = 0;
            for (std::string_view part : {l.path, std::string_view("/"), node.name()}) {
                for (char c : part) {
                    if (length < sizeof joined && !(c == '/' && length > 0 && joined[length - 1] == '/'))
                        joined[length++] = c;
                }
            }
            l.error = checked.error();
            l.error.set_path({joined, length});
            l.failed = true;
            return true;
        }
        l.visit(l.context, node);
        return false;
    }, &listing);
    if (!scanned)
        return at_path(kstd::Expected<void, Error>(kstd::unexpected(scanned.error())), path);
    if (listing.failed)
        return kstd::unexpected(listing.error);
    return {};
}

// ---- writing entries -------------------------------------------------------

kstd::Expected<Node, Error> Volume::add_entry(const Node& directory, std::string_view name, uint8_t attributes,
                                              uint32_t first_cluster, uint32_t size, const uint8_t* copy_from)
{
    if (!valid_long_name(name))
        return fail(Problem::InvalidName);
    if (auto existing = find_in(directory, name); existing)
        return fail(Problem::AlreadyExists);
    else if (existing.error().problem != Problem::NotFound)
        return kstd::unexpected(existing.error());
    const uint32_t dir = directory_cluster(directory);

    uint8_t short_name[11];
    const ShortFit fit = short_name_basis(name, short_name);
    if (fit == ShortFit::Lossy) {
        // fatgen103 7, "Numeric-Tail Generation": the first ~N not taken.
        uint8_t basis[11];
        __builtin_memcpy(basis, short_name, 11);
        for (uint32_t number = 1;; ++number) {
            if (number > 999999)
                return fail(Problem::InvalidName);
            __builtin_memcpy(short_name, basis, 11);
            add_numeric_tail(short_name, number);
            char text[12];
            const size_t length = short_name_text(short_name, 0, text);
            auto taken = find_in(directory, {text, length});
            if (!taken && taken.error().problem == Problem::NotFound)
                break;
            if (!taken)
                return kstd::unexpected(taken.error());
        }
    }
    uint16_t chars[max_long_name];
    size_t char_count = 0;
    utf8_to_ucs2(name, chars, char_count);
    const uint32_t long_entries =
        fit == ShortFit::Exact ? 0 : static_cast<uint32_t>((char_count + chars_per_long_entry - 1) / chars_per_long_entry);
    const uint32_t needed = long_entries + 1;

    // A run of free entries, the directory grown by a zeroed cluster if none.
    Chain chain;
    uint32_t run_start = 0, run = 0;
    for (uint32_t index = 0; run < needed;) {
        const uint64_t at = TRY(slot_offset(dir, chain, index));
        if (at == 0) {
            if (dir == 0)
                return fail(Problem::RootFull, m_layout.root_entries);
            if (index >= max_directory_entries)
                return fail(Problem::NoSpace);
            const uint32_t last = chain.cluster;
            const uint32_t added = TRY(allocate_cluster(0));
            TRY(fill_zero(cluster_offset(added), m_layout.cluster_bytes()));
            TRY(set_fat_entry(last, added)); // linked once zeroed
            continue;
        }
        uint8_t first_byte[1];
        TRY(read_bytes(at, bytes_of(first_byte, 1)));
        if (first_byte[0] == 0x00 || first_byte[0] == 0xE5) {
            if (run == 0)
                run_start = index;
            ++run;
        } else {
            run = 0;
        }
        ++index;
    }

    const uint8_t checksum = short_name_checksum(short_name);
    Chain writer;
    for (uint32_t i = 0; i < long_entries; ++i) {
        const uint32_t ordinal = long_entries - i;
        uint8_t raw[entry_size] = {};
        raw[0] = static_cast<uint8_t>(ordinal | (i == 0 ? 0x40 : 0));
        raw[11] = attr_long_name;
        raw[13] = checksum;
        for (size_t k = 0; k < chars_per_long_entry; ++k) {
            const size_t at = (ordinal - 1) * chars_per_long_entry + k;
            // After the name: one 0x0000, then 0xFFFF padding.
            const uint32_t c = at < char_count ? chars[at] : at == char_count ? 0x0000 : 0xFFFF;
            put16(raw + long_char_offsets[k], c);
        }
        const uint64_t at = TRY(slot_offset(dir, writer, run_start + i));
        TRY(write_bytes(at, bytes_of(raw, entry_size)));
    }
    uint8_t raw[entry_size] = {};
    if (copy_from)
        __builtin_memcpy(raw, copy_from, entry_size);
    else {
        put16(raw + 16, fixed_date); // created
        put16(raw + 18, fixed_date); // accessed
        put16(raw + 24, fixed_date); // written
    }
    __builtin_memcpy(raw, short_name, 11);
    raw[11] = attributes;
    raw[12] = 0; // the case lives in the long name
    put16(raw + 20, m_layout.type == FatType::Fat32 ? first_cluster >> 16 : 0);
    put16(raw + 26, first_cluster & 0xFFFF);
    put32(raw + 28, size);
    const uint32_t slot = run_start + long_entries;
    const uint64_t at = TRY(slot_offset(dir, writer, slot));
    TRY(write_bytes(at, bytes_of(raw, entry_size)));

    Node node;
    const size_t length = name.size() < max_name_bytes ? name.size() : max_name_bytes;
    __builtin_memcpy(node.name_bytes, name.data(), length);
    node.name_length = static_cast<uint16_t>(length);
    node.short_length = static_cast<uint8_t>(short_name_text(short_name, 0, node.short_name));
    node.attributes = attributes;
    node.first_cluster = first_cluster;
    node.size = size;
    node.is_root = false;
    node.parent = dir;
    node.slot = slot;
    node.first_slot = run_start;
    return node;
}

kstd::Expected<void, Error> Volume::remove_entry(const Node& node)
{
    // The short entry first: a crash after it leaves a long name without
    // its short entry, which every reader ignores.
    const uint8_t deleted[1] = {0xE5};
    Chain chain;
    const uint64_t at = TRY(slot_offset(node.parent, chain, node.slot));
    TRY(write_bytes(at, bytes_of(const_cast<uint8_t*>(deleted), 1)));
    for (uint32_t slot = node.first_slot; slot < node.slot; ++slot) {
        const uint64_t long_at = TRY(slot_offset(node.parent, chain, slot));
        TRY(write_bytes(long_at, bytes_of(const_cast<uint8_t*>(deleted), 1)));
    }
    return {};
}

kstd::Expected<void, Error> Volume::update_entry(const Node& node, uint32_t first_cluster, uint32_t size)
{
    Chain chain;
    const uint64_t at = TRY(slot_offset(node.parent, chain, node.slot));
    uint8_t raw[12];
    put16(raw, m_layout.type == FatType::Fat32 ? first_cluster >> 16 : 0); // byte 20
    put16(raw + 6, first_cluster & 0xFFFF);                               // byte 26
    put32(raw + 8, size);                                                   // byte 28
    TRY(write_bytes(at + 20, bytes_of(raw, 2)));
    TRY(write_bytes(at + 26, bytes_of(raw + 6, 6)));
    return {};
}

kstd::Expected<bool, Error> Volume::is_empty_directory(const Node& node)
{
    const bool any = TRY(scan(directory_cluster(node), [](void*, const Node&) { return true; }, nullptr));
    return !any;
}

// Grows the chain to hold offset + data.size() bytes, zeros the gap from
// the old end to `offset`, writes the data, then the size.
kstd::Expected<void, Error> Volume::write_data(Node& node, uint64_t offset, std::span<const std::byte> data)
{
    const uint64_t end = offset + data.size();
    if (end > 0xFFFFFFFF)
        return fail(Problem::FileTooLarge, end);
    const uint32_t cluster_bytes = m_layout.cluster_bytes();
    const uint32_t old_size = node.size;
    const uint32_t new_size = end > old_size ? static_cast<uint32_t>(end) : old_size;
    const uint32_t have = TRY(chain_length(node.first_cluster));
    if (uint64_t{have} * cluster_bytes < old_size)
        return fail(Problem::SizeBeyondChain, old_size, uint64_t{have} * cluster_bytes);
    const uint32_t needed = static_cast<uint32_t>((uint64_t{new_size} + cluster_bytes - 1) / cluster_bytes);

    if (needed > have) {
        // The new clusters are chained among themselves first, then linked
        // on: a crash in between leaves lost clusters, never a broken chain.
        uint32_t first_new = 0, previous = 0;
        for (uint32_t i = have; i < needed; ++i) {
            auto cluster = allocate_cluster(previous);
            if (!cluster) {
                if (first_new != 0)
                    TRY(free_chain(first_new));
                return kstd::unexpected(cluster.error());
            }
            if (first_new == 0)
                first_new = *cluster;
            previous = *cluster;
        }
        if (have == 0) {
            node.first_cluster = first_new;
            TRY(update_entry(node, first_new, old_size));
        } else {
            Chain chain{node.first_cluster};
            const uint32_t last = TRY(seek(chain, have - 1));
            TRY(set_fat_entry(last, first_new));
        }
    }

    // The gap between the old end and `offset` reads as zeros, then the data.
    Chain chain{node.first_cluster};
    const uint64_t gap_start = old_size < offset ? old_size : offset;
    for (uint64_t position = gap_start; position < end;) {
        const uint32_t cluster = TRY(seek(chain, static_cast<uint32_t>(position / cluster_bytes)));
        if (cluster == 0)
            return fail(Problem::SizeBeyondChain, end, uint64_t{chain.index + 1} * cluster_bytes);
        const uint64_t within = position % cluster_bytes;
        const uint64_t limit = position < offset ? offset : end;
        const uint64_t chunk = limit - position < cluster_bytes - within ? limit - position : cluster_bytes - within;
        const uint64_t at = cluster_offset(cluster) + within;
        if (position < offset)
            TRY(fill_zero(at, chunk));
        else
            TRY(write_bytes(at, data.subspan(position - offset, chunk)));
        position += chunk;
    }
    // The size last: until it is written the file reads as before.
    if (new_size != old_size) {
        node.size = new_size;
        TRY(update_entry(node, node.first_cluster, new_size));
    }
    return {};
}

// ---- the operations --------------------------------------------------------

// Runs one write operation, then writes back what it left buffered, and
// names the path in an error.
template <typename F>
static kstd::Expected<void, Error> run_operation(Volume& volume, kstd::Expected<void, Error> (Volume::*finish)(),
                                                 std::string_view path, F&& body)
{
    auto result = body();
    auto finished = (volume.*finish)();
    if (!result)
        return at_path(std::move(result), path);
    return at_path(std::move(finished), path);
}

kstd::Expected<void, Error> Volume::write(std::string_view path, uint64_t offset, std::span<const std::byte> data)
{
    return run_operation(*this, &Volume::finish, path, [&]() -> kstd::Expected<void, Error> {
        std::string_view name;
        const Node parent = TRY(parent_of(path, name));
        auto found = find_in(parent, name);
        Node node;
        if (found) {
            node = *found;
            TRY(check_entry(node, m_layout));
            if (node.is_directory())
                return fail(Problem::IsADirectory);
        } else if (found.error().problem == Problem::NotFound) {
            if (offset + data.size() > 0xFFFFFFFF)
                return fail(Problem::FileTooLarge, offset + data.size());
            node = TRY(add_entry(parent, name, attr_archive, 0, 0, nullptr));
        } else {
            return kstd::unexpected(found.error());
        }
        return write_data(node, offset, data);
    });
}

kstd::Expected<void, Error> Volume::append(std::string_view path, std::span<const std::byte> data)
{
    auto node = stat(path);
    const uint64_t offset = node ? node->size : 0;
    if (!node && node.error().problem != Problem::NotFound)
        return kstd::unexpected(node.error());
    return write(path, offset, data);
}

kstd::Expected<void, Error> Volume::create(std::string_view path)
{
    return run_operation(*this, &Volume::finish, path, [&]() -> kstd::Expected<void, Error> {
        std::string_view name;
        const Node parent = TRY(parent_of(path, name));
        TRY(add_entry(parent, name, attr_archive, 0, 0, nullptr));
        return {};
    });
}

kstd::Expected<void, Error> Volume::truncate(std::string_view path, uint32_t size)
{
    return run_operation(*this, &Volume::finish, path, [&]() -> kstd::Expected<void, Error> {
        Node node = TRY(lookup(path));
        if (node.is_directory())
            return fail(Problem::IsADirectory);
        if (size > node.size) {
            // Grow with zeros, one cluster's worth at a time.
            static constexpr std::byte zeros[512] = {};
            while (node.size < size) {
                const uint32_t chunk = size - node.size < sizeof zeros ? size - node.size : sizeof zeros;
                TRY(write_data(node, node.size, {zeros, chunk}));
            }
            return {};
        }
        if (size == node.size)
            return {};
        const uint32_t cluster_bytes = m_layout.cluster_bytes();
        const uint32_t have = TRY(chain_length(node.first_cluster));
        if (uint64_t{have} * cluster_bytes < node.size)
            return fail(Problem::SizeBeyondChain, node.size, uint64_t{have} * cluster_bytes);
        const uint32_t keep = (size + cluster_bytes - 1) / cluster_bytes;
        const uint32_t first = node.first_cluster;
        // The size first, then the clusters: a crash in between leaves lost
        // clusters, never a size past the chain.
        if (keep == 0) {
            TRY(update_entry(node, 0, 0));
            return free_chain(first);
        }
        TRY(update_entry(node, first, size));
        Chain chain{first};
        const uint32_t last = TRY(seek(chain, keep - 1));
        const uint32_t next = TRY(next_cluster(last));
        if (next == end_mark)
            return {};
        TRY(set_fat_entry(last, end_of_chain()));
        return free_chain(next);
    });
}

kstd::Expected<void, Error> Volume::unlink(std::string_view path)
{
    return run_operation(*this, &Volume::finish, path, [&]() -> kstd::Expected<void, Error> {
        const Node node = TRY(lookup(path));
        if (node.is_root || node.is_directory())
            return fail(Problem::IsADirectory);
        TRY(chain_length(node.first_cluster)); // a broken chain: change nothing
        // The entry first: a crash before the chain is freed leaves lost
        // clusters (fsck.fat frees them), never a chain two files share.
        TRY(remove_entry(node));
        return free_chain(node.first_cluster);
    });
}

kstd::Expected<void, Error> Volume::mkdir(std::string_view path)
{
    return run_operation(*this, &Volume::finish, path, [&]() -> kstd::Expected<void, Error> {
        std::string_view name;
        const Node parent = TRY(parent_of(path, name));
        if (auto existing = find_in(parent, name); existing)
            return fail(Problem::AlreadyExists);
        else if (existing.error().problem != Problem::NotFound)
            return kstd::unexpected(existing.error());
        if (!valid_long_name(name))
            return fail(Problem::InvalidName);
        // The directory's cluster, zeroed, with "." and ".." (fatgen103 6.7;
        // ".." of a directory in the root holds 0), then its entry.
        const uint32_t cluster = TRY(allocate_cluster(0));
        const uint64_t at = cluster_offset(cluster);
        TRY(fill_zero(at, m_layout.cluster_bytes()));
        uint8_t dots[2 * entry_size] = {};
        for (size_t i = 0; i < 2; ++i) {
            uint8_t* raw = dots + i * entry_size;
            __builtin_memset(raw, ' ', 11);
            raw[0] = '.';
            if (i == 1)
                raw[1] = '.';
            raw[11] = attr_directory;
            const uint32_t target = i == 0 ? cluster : parent.is_root ? 0 : parent.first_cluster;
            put16(raw + 20, m_layout.type == FatType::Fat32 ? target >> 16 : 0);
            put16(raw + 26, target & 0xFFFF);
            put16(raw + 16, fixed_date);
            put16(raw + 18, fixed_date);
            put16(raw + 24, fixed_date);
        }
        TRY(write_bytes(at, bytes_of(dots, sizeof dots)));
        if (auto added = add_entry(parent, name, attr_directory, cluster, 0, nullptr); !added) {
            TRY(free_chain(cluster));
            return kstd::unexpected(added.error());
        }
        return {};
    });
}

kstd::Expected<void, Error> Volume::rmdir(std::string_view path)
{
    return run_operation(*this, &Volume::finish, path, [&]() -> kstd::Expected<void, Error> {
        const Node node = TRY(lookup(path));
        if (node.is_root)
            return fail(Problem::InvalidName);
        if (!node.is_directory())
            return fail(Problem::NotADirectory);
        if (!TRY(is_empty_directory(node)))
            return fail(Problem::NotEmpty);
        TRY(chain_length(node.first_cluster));
        TRY(remove_entry(node));
        return free_chain(node.first_cluster);
    });
}

kstd::Expected<void, Error> Volume::rename(std::string_view from, std::string_view to)
{
    return run_operation(*this, &Volume::finish, from, [&]() -> kstd::Expected<void, Error> {
        const Node node = TRY(lookup(from));
        if (node.is_root)
            return fail(Problem::InvalidName);
        std::string_view name;
        const Node target_parent = TRY(at_path(parent_of(to, name), to));
        const uint32_t target_dir = directory_cluster(target_parent);
        if (node.is_directory()) {
            // Not into itself or below: no directory on the way to the
            // target's parent may be this one.
            Node step;
            std::string_view parent_path = to.substr(0, name.data() - to.data());
            for (size_t at = 0;;) {
                if (!step.is_root && step.first_cluster == node.first_cluster)
                    return fail(Problem::InvalidRename);
                const std::string_view part = next_component(parent_path, at);
                if (part.empty())
                    break;
                step = TRY(find_in(step, part));
            }
        }
        bool same_entry = false;
        if (auto existing = find_in(target_parent, name); existing) {
            same_entry = existing->parent == node.parent && existing->slot == node.slot;
            if (!same_entry)
                return fail_at(Problem::AlreadyExists, to);
        } else if (existing.error().problem != Problem::NotFound) {
            return kstd::unexpected(existing.error());
        }
        if (!valid_long_name(name))
            return fail_at(Problem::InvalidName, to);
        Chain chain;
        const uint64_t at = TRY(slot_offset(node.parent, chain, node.slot));
        uint8_t raw[entry_size];
        TRY(read_bytes(at, bytes_of(raw, entry_size)));
        // The new entry first, then the old one goes: a crash in between
        // leaves two names for one chain (fsck.fat reports it), never a
        // file with no name. A new spelling of the same name must go first.
        if (same_entry)
            TRY(remove_entry(node));
        TRY(add_entry(target_parent, name, node.attributes, node.first_cluster, node.size, raw));
        if (!same_entry)
            TRY(remove_entry(node));
        if (node.is_directory() && node.parent != target_dir) {
            // Its ".." (the second entry) now names the new parent.
            Chain inside;
            const uint64_t dots = TRY(slot_offset(node.first_cluster, inside, 1));
            uint8_t entry[entry_size];
            if (dots != 0) {
                TRY(read_bytes(dots, bytes_of(entry, entry_size)));
                if (entry[0] == '.' && entry[1] == '.') {
                    const uint32_t parent_cluster = target_parent.is_root ? 0 : target_parent.first_cluster;
                    put16(entry + 20, m_layout.type == FatType::Fat32 ? parent_cluster >> 16 : 0);
                    put16(entry + 26, parent_cluster & 0xFFFF);
                    TRY(write_bytes(dots, bytes_of(entry, entry_size)));
                }
            }
        }
        return {};
    });
}

} // namespace fs::fat
