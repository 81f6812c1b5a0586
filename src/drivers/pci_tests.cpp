// KTEST cases for PCI enumeration (src/drivers/pci.cpp) on QEMU's default
// machine (-M pc): the i440FX host bridge 8086:1237 at 00:00.0, the PIIX3
// ISA bridge 8086:7000 at 00:01.0 and the PIIX3 IDE 8086:7010 at 00:01.1,
// whose BAR4 (bus-master IDE) is 16 I/O ports. And the BAR decoder on raw
// values made up here.

#include "drivers/pci.h"
#include "ktest/ktest.h"

using namespace drivers;

namespace {

// The kernel enumerated at boot (init stage Interrupts); a case must not
// depend on that having happened, so it walks again (same result).
void walk()
{
    pci::enumerate();
}

} // namespace

KTEST(pci, the_i440fx_host_bridge_is_at_00_00_0)
{
    walk();
    const pci::Device* host = pci::find(0x8086, 0x1237);
    ASSERT_NOT_NULL(host, "QEMU's pc machine has the i440FX");
    EXPECT_TRUE(host->address == (pci::Address{0, 0, 0}));
    EXPECT_EQ(host->class_code, 0x06);
    EXPECT_EQ(host->subclass, 0x00);
    EXPECT_STREQ(pci::class_name(host->class_code, host->subclass), "Host bridge");
    EXPECT_TRUE(&pci::devices()[0] == host, "the walk starts at 00:00.0");
}

KTEST(pci, the_piix3_isa_bridge_and_ide_are_functions_of_slot_1)
{
    walk();
    const pci::Device* isa = pci::find(0x8086, 0x7000);
    const pci::Device* ide = pci::find(0x8086, 0x7010);
    ASSERT_NOT_NULL(isa);
    ASSERT_NOT_NULL(ide, "function 1 is found: slot 1 is multi-function");
    EXPECT_TRUE(isa->address == (pci::Address{0, 1, 0}));
    EXPECT_TRUE(ide->address == (pci::Address{0, 1, 1}));
    EXPECT_STREQ(pci::class_name(isa->class_code, isa->subclass), "ISA bridge");
    EXPECT_EQ(ide->class_code, 0x01);
    EXPECT_EQ(ide->subclass, 0x01);
    EXPECT_EQ(ide->prog_if, 0x80, "ISA compatibility mode, bus mastering");
    EXPECT_EQ(pci::find_class(0x01, 0x01), ide);
}

KTEST(pci, the_ide_bus_master_bar4_is_16_io_ports)
{
    walk();
    const pci::Device* ide = pci::find(0x8086, 0x7010);
    ASSERT_NOT_NULL(ide);
    const pci::Bar& bar4 = ide->bars[4];
    EXPECT_EQ(bar4.kind, pci::BarKind::Io);
    EXPECT_EQ(bar4.size, 16u);
    EXPECT_NE(bar4.address, 0u, "SeaBIOS assigns it");
    EXPECT_EQ(bar4.address % 16, 0u);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(ide->bars[i].kind, pci::BarKind::None, "BAR{}: compatibility mode uses the legacy ports", i);
}

KTEST(pci, sizing_a_bar_restores_it_and_the_command_register)
{
    const pci::Address ide{0, 1, 1};
    ASSERT_EQ(pci::read_config16(ide, pci::config::vendor_id), 0x8086);
    const uint32_t before = pci::read_config32(ide, pci::config::bar0 + 4 * 4);
    const uint16_t command = pci::read_config16(ide, pci::config::command);
    uint8_t slots = 0;
    const pci::Bar bar = pci::read_bar(ide, 4, slots);
    EXPECT_EQ(slots, 1);
    EXPECT_EQ(bar.size, 16u);
    EXPECT_EQ(pci::read_config32(ide, pci::config::bar0 + 4 * 4), before);
    EXPECT_EQ(pci::read_config16(ide, pci::config::command), command);
    EXPECT_EQ(bar.address, before & ~3u);
}

KTEST(pci, config_reads_of_every_width_agree)
{
    const pci::Address host{0, 0, 0};
    const uint32_t dword = pci::read_config32(host, 0);
    EXPECT_EQ(dword, 0x1237'8086u);
    EXPECT_EQ(pci::read_config16(host, 0), 0x8086);
    EXPECT_EQ(pci::read_config16(host, 2), 0x1237);
    EXPECT_EQ(pci::read_config8(host, 1), 0x80);
    EXPECT_EQ(pci::read_config8(host, 3), 0x12);
    EXPECT_EQ(pci::read_config16(pci::Address{0, 31, 0}, 0), 0xFFFF, "no device in slot 31: all ones");
}

KTEST(pci, each_function_is_listed_once_and_in_bus_order)
{
    walk();
    const auto all = pci::devices();
    ASSERT_GE(all.size(), 3u);
    EXPECT_EQ(pci::dropped_devices(), 0u);
    for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_NE(all[i].vendor, 0xFFFF);
        for (size_t j = i + 1; j < all.size(); ++j)
            EXPECT_FALSE(all[i].address == all[j].address, "{} and {}", i, j);
    }
}

KTEST(pci, lines_read_like_lspci)
{
    walk();
    const pci::Device* ide = pci::find(0x8086, 0x7010);
    ASSERT_NOT_NULL(ide);
    kstd::StringBuffer<160> line;
    kstd::format_to(line, "{}", *ide);
    kstd::StringBuffer<160> expected;
    kstd::format_to(expected, "00:01.1 IDE interface [0101]: 8086:7010 (prog-if 80) BAR4 I/O {:#x} (16 bytes)",
                    ide->bars[4].address);
    EXPECT_STREQ(line.view(), expected.view());

    kstd::StringBuffer<4096> all;
    pci::print_devices(all);
    EXPECT_FALSE(all.truncated());
    EXPECT_TRUE(all.view().starts_with("00:00.0 Host bridge [0600]: 8086:1237\n"), "{}", all.view());
    EXPECT_NE(all.view().find("00:01.0 ISA bridge [0601]: 8086:7000\n"), std::string_view::npos);
}

// --- The BAR decoder on made-up values ----------------------------------------

KTEST(pci, an_io_bar_decodes_its_base_and_size)
{
    // 0xc041: I/O at 0xc040; 16 ports: bits 4 and up stick (upper half reads 0 on some devices).
    const pci::Bar bar = pci::decode_bar(0xC041, 0x0000'FFF1);
    EXPECT_EQ(bar.kind, pci::BarKind::Io);
    EXPECT_EQ(bar.address, 0xC040u);
    EXPECT_EQ(bar.size, 16u);
    EXPECT_FALSE(bar.prefetchable);
    EXPECT_EQ(pci::decode_bar(0xFFFF'FFFD, 0xFFFF'FFFD).size, 4u, "bit 1 is reserved, not an address bit");
}

KTEST(pci, a_32bit_memory_bar_decodes_its_base_and_size)
{
    // 16 MiB, prefetchable, at 0xfd000000 (QEMU's VGA framebuffer).
    const pci::Bar bar = pci::decode_bar(0xFD00'0008, 0xFF00'0008);
    EXPECT_EQ(bar.kind, pci::BarKind::Memory32);
    EXPECT_TRUE(bar.prefetchable);
    EXPECT_EQ(bar.address, 0xFD00'0000u);
    EXPECT_EQ(bar.size, 16u << 20);
    EXPECT_FALSE(pci::bar_is_64bit(0xFD00'0008));
    // 4 KiB, not prefetchable.
    const pci::Bar small = pci::decode_bar(0xFEBF'0000, 0xFFFF'F000);
    EXPECT_EQ(small.kind, pci::BarKind::Memory32);
    EXPECT_FALSE(small.prefetchable);
    EXPECT_EQ(small.size, 4096u);
}

KTEST(pci, a_64bit_memory_bar_takes_two_slots)
{
    // Type 10 (64-bit), prefetchable, base 0x8_0000_0000 (above 4 GiB), 8 GiB:
    // the low half reads back no address bits at all, the high half 0xfffffffe.
    const uint32_t low = 0x0000'000C;
    ASSERT_TRUE(pci::bar_is_64bit(low));
    const pci::Bar bar = pci::decode_bar(low, 0x0000'000C, 0x0000'0008, 0xFFFF'FFFE);
    EXPECT_EQ(bar.kind, pci::BarKind::Memory64);
    EXPECT_TRUE(bar.prefetchable);
    EXPECT_EQ(bar.address, 0x8'0000'0000u);
    EXPECT_EQ(bar.size, 8ull << 30);
    // And one below 4 GiB: 1 MiB at 0xfe000000.
    const pci::Bar low_bar = pci::decode_bar(0xFE00'0004, 0xFFF0'0004, 0, 0xFFFF'FFFF);
    EXPECT_EQ(low_bar.kind, pci::BarKind::Memory64);
    EXPECT_EQ(low_bar.address, 0xFE00'0000u);
    EXPECT_EQ(low_bar.size, 1u << 20);
}

KTEST(pci, an_unimplemented_bar_is_none)
{
    EXPECT_EQ(pci::decode_bar(0, 0).kind, pci::BarKind::None);
    EXPECT_EQ(pci::decode_bar(0, 0).size, 0u);
    EXPECT_EQ(pci::decode_bar(1, 1).kind, pci::BarKind::None, "an I/O BAR where no address bit sticks");
    EXPECT_FALSE(pci::bar_is_64bit(0x5), "an I/O BAR is never 64-bit, whatever bits 2:1 say");
}

KTEST(pci, class_names_cover_the_common_classes)
{
    EXPECT_STREQ(pci::class_name(0x01, 0x06), "SATA controller");
    EXPECT_STREQ(pci::class_name(0x01, 0x08), "Non-Volatile memory controller");
    EXPECT_STREQ(pci::class_name(0x02, 0x00), "Ethernet controller");
    EXPECT_STREQ(pci::class_name(0x03, 0x00), "VGA compatible controller");
    EXPECT_STREQ(pci::class_name(0x06, 0x04), "PCI bridge");
    EXPECT_STREQ(pci::class_name(0x01, 0x42), "Mass storage controller", "the class's name for an unknown subclass");
    EXPECT_STREQ(pci::class_name(0x42, 0x00), "Unknown class");
}
