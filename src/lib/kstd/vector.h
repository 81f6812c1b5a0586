#pragma once
// kstd::Vector<T>: a growable array in one allocation, for the kernel, which
// has no std::vector (libstdc++'s needs a hosted library and exceptions).
//
//   kstd::Vector<Region> regions;
//   regions.push_back(region);                            // out of memory: the allocator's policy (panic)
//   if (auto added = regions.try_push_back(region); !added)  // out of memory: an error value
//       return kstd::unexpected(...);
//
// Capacity doubles when full, so appending is amortised O(1). Growing moves
// the elements into the new storage, so pointers and iterators into a vector
// are invalidated by any call that may grow it, as with std::vector. Copying
// would allocate and is not implicit: use try_append() over a span instead.

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include "kstd/allocator.h"
#include "kstd/expected.h"

namespace kstd {

template <typename T, Allocator A = GlobalAllocator>
class Vector {
public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    Vector() = default;
    explicit Vector(A allocator) : m_allocator(std::move(allocator)) {}
    Vector(const Vector&) = delete;
    Vector& operator=(const Vector&) = delete;
    Vector(Vector&& other) noexcept
        : m_allocator(std::move(other.m_allocator)),
          m_data(std::exchange(other.m_data, nullptr)),
          m_size(std::exchange(other.m_size, 0)),
          m_capacity(std::exchange(other.m_capacity, 0))
    {
    }
    Vector& operator=(Vector&& other) noexcept
    {
        if (this != &other) {
            destroy_all();
            release_storage();
            m_allocator = std::move(other.m_allocator);
            m_data = std::exchange(other.m_data, nullptr);
            m_size = std::exchange(other.m_size, 0);
            m_capacity = std::exchange(other.m_capacity, 0);
        }
        return *this;
    }
    ~Vector()
    {
        destroy_all();
        release_storage();
    }

    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }
    bool empty() const { return m_size == 0; }
    static constexpr size_t max_size() { return SIZE_MAX / sizeof(T); }

    T* data() { return m_data; }
    const T* data() const { return m_data; }
    iterator begin() { return m_data; }
    iterator end() { return m_data + m_size; }
    const_iterator begin() const { return m_data; }
    const_iterator end() const { return m_data + m_size; }
    // Unchecked, like std::vector's; use span() for checked algorithms.
    T& operator[](size_t index) { return m_data[index]; }
    const T& operator[](size_t index) const { return m_data[index]; }
    T& front() { return m_data[0]; }
    T& back() { return m_data[m_size - 1]; }
    const T& front() const { return m_data[0]; }
    const T& back() const { return m_data[m_size - 1]; }
    std::span<T> span() { return {m_data, m_size}; }
    std::span<const T> span() const { return {m_data, m_size}; }
    operator std::span<T>() { return span(); }
    operator std::span<const T>() const { return span(); }
    const A& allocator() const { return m_allocator; }

    void reserve(size_t capacity)
    {
        if (capacity > m_capacity)
            reallocate(capacity);
    }
    [[nodiscard]] Expected<void, AllocationFailure> try_reserve(size_t capacity)
    {
        if (capacity > m_capacity)
            TRY(try_reallocate(capacity));
        return {};
    }

    template <typename... Args>
    T& emplace_back(Args&&... args)
    {
        if (m_size == m_capacity)
            reallocate(grown_capacity(m_size + 1));
        return *new (m_data + m_size++) T(std::forward<Args>(args)...);
    }
    template <typename... Args>
    [[nodiscard]] Expected<T*, AllocationFailure> try_emplace_back(Args&&... args)
    {
        if (m_size == m_capacity)
            TRY(try_reallocate(grown_capacity(m_size + 1)));
        return new (m_data + m_size++) T(std::forward<Args>(args)...);
    }
    void push_back(const T& value) { emplace_back(value); }
    void push_back(T&& value) { emplace_back(std::move(value)); }
    [[nodiscard]] Expected<void, AllocationFailure> try_push_back(const T& value) { return as_void(try_emplace_back(value)); }
    [[nodiscard]] Expected<void, AllocationFailure> try_push_back(T&& value)
    {
        return as_void(try_emplace_back(std::move(value)));
    }
    // Appends copies of `values` (which must not point into this vector).
    [[nodiscard]] Expected<void, AllocationFailure> try_append(std::span<const T> values)
    {
        if (m_size + values.size() > m_capacity)
            TRY(try_reallocate(grown_capacity(m_size + values.size())));
        for (const T& value : values)
            new (m_data + m_size++) T(value);
        return {};
    }

    void pop_back() { m_data[--m_size].~T(); }
    void clear() { destroy_all(); }

    // New elements are value-initialised (zero for scalars).
    void resize(size_t size)
    {
        if (size > m_capacity)
            reallocate(size);
        resize_within_capacity(size);
    }
    [[nodiscard]] Expected<void, AllocationFailure> try_resize(size_t size)
    {
        if (size > m_capacity)
            TRY(try_reallocate(size));
        resize_within_capacity(size);
        return {};
    }

    // Removes the element at `position`, moving the later ones down; returns
    // the position, which now holds the next element.
    iterator erase(iterator position)
    {
        for (iterator i = position; i + 1 != end(); ++i)
            *i = std::move(*(i + 1));
        pop_back();
        return position;
    }

    // Inserts `value` before `position`, moving the later elements up.
    iterator insert(iterator position, T value)
    {
        const size_t index = static_cast<size_t>(position - m_data);
        emplace_back(std::move(value));
        for (size_t i = m_size - 1; i > index; --i)
            std::swap(m_data[i], m_data[i - 1]);
        return m_data + index;
    }

private:
    static size_t bytes_for(size_t capacity) { return capacity > max_size() ? SIZE_MAX : capacity * sizeof(T); }
    size_t grown_capacity(size_t needed) const
    {
        size_t capacity = m_capacity < 4 ? 4 : (m_capacity > max_size() / 2 ? max_size() : m_capacity * 2);
        return capacity < needed ? needed : capacity;
    }
    template <typename U>
    static Expected<void, AllocationFailure> as_void(const Expected<U, AllocationFailure>& result)
    {
        if (!result)
            return unexpected(result.error());
        return {};
    }

    // Moves the elements into storage for `capacity` elements, or reports
    // that the allocator has no memory for it (and leaves the vector as it was).
    [[nodiscard]] Expected<void, AllocationFailure> try_reallocate(size_t capacity)
    {
        if (capacity > max_size())
            return unexpected(AllocationFailure{bytes_for(capacity)});
        void* memory = TRY(m_allocator.try_allocate(bytes_for(capacity), alignof(T)));
        adopt(static_cast<T*>(memory), capacity);
        return {};
    }
    // The same through the allocator's infallible form, whose failure is the
    // allocator's policy (the kernel panics with the size).
    void reallocate(size_t capacity)
    {
        void* memory = m_allocator.allocate(bytes_for(capacity), alignof(T));
        if (memory == nullptr)
            __builtin_trap(); // allocate() broke its promise never to return null
        adopt(static_cast<T*>(memory), capacity);
    }
    void adopt(T* data, size_t capacity)
    {
        for (size_t i = 0; i < m_size; ++i) {
            new (data + i) T(std::move(m_data[i]));
            m_data[i].~T();
        }
        release_storage();
        m_data = data;
        m_capacity = capacity;
    }
    void resize_within_capacity(size_t size)
    {
        while (m_size > size)
            pop_back();
        while (m_size < size)
            new (m_data + m_size++) T();
    }
    void destroy_all()
    {
        while (m_size > 0)
            pop_back();
    }
    void release_storage()
    {
        if (m_data)
            m_allocator.deallocate(m_data, m_capacity * sizeof(T), alignof(T));
        m_data = nullptr;
        m_capacity = 0;
    }

    [[no_unique_address]] A m_allocator{};
    T* m_data = nullptr;
    size_t m_size = 0;
    size_t m_capacity = 0;
};

} // namespace kstd
