#pragma once
// Task<T>: a C++20 coroutine that runs on an async::Executor (executor.h).
//
//   async::Task<int> answer() { co_return 42; }
//   async::Task<void> greet()
//   {
//       const int n = co_await answer();        // runs answer() to its end first
//       co_await async::sleep(10ms);            // the executor runs others meanwhile
//       core::println("{}", n);
//   }
//   MUST(executor.spawn(greet(), "greeter"));
//
// A task is lazy: its body starts when it is awaited (by its parent) or
// spawned (then it is a root task, which the executor owns). Awaiting a
// child transfers control straight to it and back (symmetric transfer: no
// stack grows with a chain). The frame holds the coroutine's locals and comes
// from the kernel heap; if that fails, the Task is not valid(): spawning it
// returns an error, and awaiting it is a panic saying so.

#include <coroutine>
#include <cstddef>
#include <optional>
#include <utility>
#include "core/panic.h"

namespace async {

struct TaskRecord;

namespace detail {

struct PromiseBase {
    TaskRecord* record = nullptr;          // the root task this coroutine belongs to
    std::coroutine_handle<> continuation;  // who awaits it (null for a root)

    // The frame, from the kernel heap; null on failure, which makes the
    // call return get_return_object_on_allocation_failure().
    static void* operator new(size_t size) noexcept;
    static void operator delete(void* frame) noexcept;

    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
        bool await_ready() noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept
        {
            return finish(self.promise());
        }
        void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { core::panic("an exception in a coroutine (the kernel has none)"); }

    // At the end of a body: the awaiting coroutine to resume, or, for a root
    // task, a note to its executor and nothing (executor.cpp).
    static std::coroutine_handle<> finish(PromiseBase& promise) noexcept;
};

[[noreturn]] void awaited_an_invalid_task();

template <typename Promise>
struct TaskAwaiter {
    std::coroutine_handle<Promise> child;

    bool await_ready() const noexcept { return false; }
    template <typename ParentPromise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<ParentPromise> parent) noexcept
    {
        child.promise().record = parent.promise().record;
        child.promise().continuation = parent;
        return child; // start (or go on with) the child; it comes back at its end
    }
};

} // namespace detail

namespace detail {

// What every Task<T> is: the owner of one coroutine frame.
template <typename Promise>
class TaskHandle {
public:
    using Handle = std::coroutine_handle<Promise>;

    TaskHandle() = default;
    explicit TaskHandle(Handle handle) : m_handle(handle) {}
    TaskHandle(TaskHandle&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
    TaskHandle& operator=(TaskHandle&& other) noexcept
    {
        if (this != &other) {
            if (m_handle)
                m_handle.destroy();
            m_handle = std::exchange(other.m_handle, nullptr);
        }
        return *this;
    }
    // Destroying a task that has not finished destroys its frame, and with
    // it the child tasks and awaitables it was suspended in (cancellation).
    ~TaskHandle()
    {
        if (m_handle)
            m_handle.destroy();
    }

    // False if the frame could not be allocated.
    bool valid() const { return static_cast<bool>(m_handle); }
    Handle release() { return std::exchange(m_handle, nullptr); }

protected:
    // The awaiter of `co_await std::move(task)`, with `Resume` giving its result.
    template <typename Resume>
    auto awaiter() const
    {
        if (!m_handle)
            awaited_an_invalid_task();
        struct Awaiter : TaskAwaiter<Promise> {
            decltype(auto) await_resume() { return Resume{}(this->child.promise()); }
        };
        return Awaiter{{m_handle}};
    }

private:
    Handle m_handle;
};

template <typename T>
struct ValuePromise;

} // namespace detail

template <typename T = void>
class [[nodiscard]] Task : public detail::TaskHandle<detail::ValuePromise<T>> {
public:
    using promise_type = detail::ValuePromise<T>;
    using detail::TaskHandle<promise_type>::TaskHandle;

    auto operator co_await() && noexcept
    {
        struct TakeValue {
            T operator()(promise_type& promise) const { return std::move(*promise.value); }
        };
        return this->template awaiter<TakeValue>();
    }
};

template <>
class [[nodiscard]] Task<void> : public detail::TaskHandle<detail::ValuePromise<void>> {
public:
    using promise_type = detail::ValuePromise<void>;
    using detail::TaskHandle<promise_type>::TaskHandle;

    auto operator co_await() && noexcept
    {
        struct Nothing {
            void operator()(promise_type&) const {}
        };
        return this->awaiter<Nothing>();
    }
};

namespace detail {

template <typename T>
struct ValuePromise : PromiseBase {
    std::optional<T> value;

    Task<T> get_return_object() noexcept { return Task<T>(std::coroutine_handle<ValuePromise>::from_promise(*this)); }
    static Task<T> get_return_object_on_allocation_failure() noexcept { return Task<T>(); }
    template <typename U>
    void return_value(U&& result)
    {
        value.emplace(std::forward<U>(result));
    }
};

template <>
struct ValuePromise<void> : PromiseBase {
    Task<void> get_return_object() noexcept
    {
        return Task<void>(std::coroutine_handle<ValuePromise>::from_promise(*this));
    }
    static Task<void> get_return_object_on_allocation_failure() noexcept { return Task<void>(); }
    void return_void() noexcept {}
};

} // namespace detail

} // namespace async
