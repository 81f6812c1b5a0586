#pragma once
// Shared ownership by an intrusive count: an object that several owners
// hold (an open file that two descriptors name after dup() or fork(), a
// pipe's buffer) derives from RefCounted and is held through RefPtr; the
// last RefPtr to let go deletes it.
//
//   kstd::RefPtr<File> file = kstd::adopt(new (std::nothrow) ConsoleFile);
//   kstd::RefPtr<File> copy = file;      // count 2
//
// The count is atomic: owners may let go on different CPUs.

#include <cstdint>
#include <utility>

namespace kstd {

class RefCounted {
public:
    RefCounted() = default;
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;
    virtual ~RefCounted() = default;

    void retain() { __atomic_add_fetch(&m_count, 1, __ATOMIC_RELAXED); }
    // Deletes the object when the count reaches zero.
    void release()
    {
        if (__atomic_sub_fetch(&m_count, 1, __ATOMIC_ACQ_REL) == 0)
            delete this;
    }
    uint32_t reference_count() const { return __atomic_load_n(&m_count, __ATOMIC_RELAXED); }

private:
    uint32_t m_count = 1; // the creator's reference, which adopt() takes over
};

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(std::nullptr_t) {}
    RefPtr(const RefPtr& other) : m_object(other.m_object)
    {
        if (m_object)
            m_object->retain();
    }
    template <typename U>
    RefPtr(const RefPtr<U>& other) : m_object(other.get())
    {
        if (m_object)
            m_object->retain();
    }
    RefPtr(RefPtr&& other) : m_object(std::exchange(other.m_object, nullptr)) {}
    ~RefPtr()
    {
        if (m_object)
            m_object->release();
    }
    RefPtr& operator=(RefPtr other)
    {
        std::swap(m_object, other.m_object);
        return *this;
    }

    T* get() const { return m_object; }
    T* operator->() const { return m_object; }
    T& operator*() const { return *m_object; }
    explicit operator bool() const { return m_object != nullptr; }

    template <typename U>
    friend RefPtr<U> adopt(U* object);

private:
    T* m_object = nullptr;
};

// Takes over the creator's reference of a new object (null stays null).
template <typename T>
RefPtr<T> adopt(T* object)
{
    RefPtr<T> pointer;
    pointer.m_object = object;
    return pointer;
}

} // namespace kstd
