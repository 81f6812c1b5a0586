// KTEST cases of signals.cpp: where the frame goes (Linux's get_sigframe
// alignment), POSIX's default actions, what fork and execve keep, and a
// frame pushed and popped on a lower-half page of the kernel's own address
// space (the user copies run in ring 0 either way): its bytes where Linux
// puts them, every register back, and the refusals.

#include "user/signals.h"
#include "arch/x86_64/gdt.h"
#include "ktest/ktest.h"
#include "mem/kernel_address_space.h"
#include "user/user_copy.h"

namespace {

using namespace user;

constexpr uint64_t stack_page = 0x0000'0040'0000'0000; // 256 GiB up: nothing else there
constexpr uint64_t stack_top = stack_page + 2 * 4096;

struct MappedStack {
    MappedStack() { MUST(mem::kernel_address_space().map_fresh(arch::VirtAddr(stack_page), 2 * 4096, arch::Protection::read_write())); }
    ~MappedStack() { mem::kernel_address_space().unmap_and_free(arch::VirtAddr(stack_page), 2 * 4096); }
};

arch::InterruptFrame user_registers()
{
    arch::InterruptFrame frame{};
    uint64_t* words = &frame.r15;
    for (int i = 0; i < 15; ++i) // r15 ... rax
        words[i] = 0x1111'0000'0000'0000ull * static_cast<uint64_t>(i + 1) + static_cast<uint64_t>(i);
    frame.rip = 0x40'1234;
    frame.cs = arch::gdt::user_code_selector;
    frame.rflags = 0x202 | (1u << 10) | 1; // IF, DF, CF
    frame.rsp = stack_top - 0x13;          // any alignment
    frame.ss = arch::gdt::user_data_selector;
    return frame;
}

constexpr SignalAction handler_action{0x40'5000, sa_siginfo | sa_restorer, 0x40'6000, 0};

} // namespace

KTEST(signals, the_frame_is_aligned_as_linux_aligns_it)
{
    for (uint64_t sp = 0x7000'0000; sp < 0x7000'0000 + 128; sp += 8) {
        for (bool alternate : {false, true}) {
            const FrameLayout layout = signal_frame_layout(sp, alternate);
            EXPECT_EQ(layout.frame % 16, 8u, "RSP + 8 16-byte aligned at the handler's entry");
            EXPECT_EQ(layout.fpu % 64, 0u);
            EXPECT_LE(layout.frame + sizeof(RtSigFrame), layout.fpu);
            EXPECT_LE(layout.fpu + fxsave_size, alternate ? sp : sp - 128, "the red zone is kept");
            EXPECT_GT(layout.frame + sizeof(RtSigFrame) + 64 + 16, layout.fpu, "no more room than alignment needs");
        }
    }
}

KTEST(signals, default_actions_are_posixs)
{
    EXPECT_TRUE(default_action(sigchld) == DefaultAction::Ignore);
    EXPECT_TRUE(default_action(sigurg) == DefaultAction::Ignore);
    EXPECT_TRUE(default_action(sigwinch) == DefaultAction::Ignore);
    EXPECT_TRUE(default_action(sigcont) == DefaultAction::Continue);
    EXPECT_TRUE(default_action(sigtstp) == DefaultAction::Stop);
    EXPECT_TRUE(default_action(sigstop) == DefaultAction::Stop);
    EXPECT_TRUE(default_action(sigsegv) == DefaultAction::CoreDump);
    EXPECT_TRUE(default_action(sigabrt) == DefaultAction::CoreDump);
    EXPECT_TRUE(default_action(sigterm) == DefaultAction::Terminate);
    EXPECT_TRUE(default_action(sigpipe) == DefaultAction::Terminate);
    EXPECT_TRUE(default_action(40) == DefaultAction::Terminate);
}

KTEST(signals, fork_keeps_dispositions_and_exec_keeps_only_ignored_ones)
{
    SignalState parent;
    parent.actions[sigusr1 - 1] = handler_action;
    parent.actions[sigusr2 - 1].handler = sig_ign;
    parent.blocked = signal_bit(sighup);
    parent.pending = signal_bit(sigterm);
    parent.alternate = SignalStack{0x1000, 0, 0, 8192};
    EXPECT_TRUE(parent.ignores(sigusr2) && parent.ignores(sigchld) && !parent.ignores(sigusr1));
    SignalState child;
    child.copy_for_fork(parent);
    EXPECT_EQ(child.action(sigusr1).handler, handler_action.handler);
    EXPECT_EQ(child.blocked, signal_bit(sighup));
    EXPECT_EQ(child.pending, 0u);
    EXPECT_EQ(child.alternate.size, 8192u);
    child.reset_for_exec();
    EXPECT_EQ(child.action(sigusr1).handler, sig_dfl);
    EXPECT_EQ(child.action(sigusr2).handler, sig_ign);
    EXPECT_EQ(child.blocked, signal_bit(sighup));
    EXPECT_NE(child.alternate.flags & ss_disable, 0);
}

KTEST(signals, a_frame_is_pushed_where_linux_puts_it_and_popped_back)
{
    MappedStack stack;
    const arch::InterruptFrame before = user_registers();
    arch::InterruptFrame frame = before;
    SignalStack alternate{0, ss_disable, 0, 0};
    const SignalInfo info = SignalInfo::sent(sigusr1, si_user, 42);
    ASSERT_TRUE(push_signal_frame(frame, sigusr1, handler_action, info, 0x5, alternate, FaultDetails{14, 6, 0x10}));
    const FrameLayout layout = signal_frame_layout(before.rsp, false);
    EXPECT_EQ(frame.rsp, layout.frame);
    EXPECT_EQ(frame.rip, handler_action.handler);
    EXPECT_EQ(frame.rdi, static_cast<uint64_t>(sigusr1));
    EXPECT_EQ(frame.rsi, layout.frame + 312);
    EXPECT_EQ(frame.rdx, layout.frame + 8);
    EXPECT_EQ(frame.rax, 0u);
    EXPECT_EQ(frame.rflags & (1u << 10), 0u, "DF clear for the handler");

    // The bytes as a C program reads them (offsets from Linux's headers).
    auto word = [](uint64_t address) {
        uint64_t value = 0;
        EXPECT_TRUE(copy_from_user(&value, UserAddress(address), sizeof value).has_value());
        return value;
    };
    const uint64_t uc = layout.frame + 8, mcontext = uc + 40, siginfo = layout.frame + 312;
    EXPECT_EQ(word(layout.frame), handler_action.restorer, "the return address: sa_restorer");
    EXPECT_EQ(word(mcontext + 0), before.r8);
    EXPECT_EQ(word(mcontext + 88), before.rbx);
    EXPECT_EQ(word(mcontext + 104), before.rax);
    EXPECT_EQ(word(mcontext + 112), before.rcx);
    EXPECT_EQ(word(mcontext + 24), before.r11);
    EXPECT_EQ(word(mcontext + 120), before.rsp);
    EXPECT_EQ(word(mcontext + 128), before.rip);
    EXPECT_EQ(word(mcontext + 136), before.rflags);
    EXPECT_EQ(word(mcontext + 144) & 0xFFFF, arch::gdt::user_code_selector);
    EXPECT_EQ(word(mcontext + 144) >> 48, arch::gdt::user_data_selector, "ss, with UC_SIGCONTEXT_SS");
    EXPECT_EQ(word(mcontext + 152), 6u, "err");
    EXPECT_EQ(word(mcontext + 160), 14u, "trapno");
    EXPECT_EQ(word(mcontext + 168), 5u, "oldmask");
    EXPECT_EQ(word(mcontext + 176), 0x10u, "cr2");
    EXPECT_EQ(word(mcontext + 184), layout.fpu, "fpstate");
    EXPECT_EQ(word(uc + 296), 5u, "uc_sigmask");
    EXPECT_EQ(word(siginfo) & 0xFFFF'FFFF, static_cast<uint64_t>(sigusr1), "si_signo");
    EXPECT_EQ(word(siginfo + 16) & 0xFFFF'FFFF, 42u, "si_pid");

    // The handler returned (RET popped the return address): rt_sigreturn.
    arch::InterruptFrame after = frame;
    after.rsp = layout.frame + 8;
    after.rcx = after.r11 = 0; // SYSCALL's clobbers
    uint64_t mask = 0;
    ASSERT_TRUE(pop_signal_frame(after, mask, alternate));
    EXPECT_EQ(mask, 5u);
    EXPECT_EQ(__builtin_memcmp(&after, &before, sizeof after), 0, "every register back");
}

KTEST(signals, bad_frames_and_handlers_are_refused)
{
    MappedStack stack;
    arch::InterruptFrame frame = user_registers();
    SignalStack alternate{0, ss_disable, 0, 0};
    SignalAction no_restorer = handler_action;
    no_restorer.flags &= ~sa_restorer;
    EXPECT_FALSE(push_signal_frame(frame, sigusr1, no_restorer, {}, 0, alternate, {}));
    SignalAction kernel_handler = handler_action;
    kernel_handler.handler = 0xFFFF'8000'0000'0000ull;
    EXPECT_FALSE(push_signal_frame(frame, sigusr1, kernel_handler, {}, 0, alternate, {}));
    arch::InterruptFrame unmapped = frame;
    unmapped.rsp = stack_page + 16 * 4096;
    EXPECT_FALSE(push_signal_frame(unmapped, sigusr1, handler_action, {}, 0, alternate, {}));

    // A frame whose saved CS is the kernel's: refused, the frame untouched.
    ASSERT_TRUE(push_signal_frame(frame, sigusr1, handler_action, {}, 0, alternate, {}));
    const uint16_t kernel_cs = arch::gdt::kernel_code_selector;
    ASSERT_TRUE(copy_to_user(UserAddress(frame.rsp + 8 + 40 + 144), &kernel_cs, sizeof kernel_cs).has_value());
    arch::InterruptFrame after = frame;
    after.rsp += 8;
    uint64_t mask = 0;
    EXPECT_FALSE(pop_signal_frame(after, mask, alternate));
    EXPECT_EQ(after.rip, frame.rip);
}
