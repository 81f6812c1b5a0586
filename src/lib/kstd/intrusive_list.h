#pragma once
// An intrusive doubly linked list: the links live in the elements, so linking
// and unlinking never allocate and an element removes itself in O(1) — what
// a kernel needs for run queues, wait queues and free lists.
//
//   struct Thread : kstd::IntrusiveListNode<> { ... };
//   kstd::IntrusiveList<Thread> ready;
//   ready.push_back(thread);
//   Thread* next = ready.pop_front();
//
// An element can be in one list per tag: derive from
// IntrusiveListNode<RunQueueTag> and IntrusiveListNode<AllThreadsTag> and use
// IntrusiveList<Thread, RunQueueTag> etc. Elements derive from the node, so
// getting from a node to its element is a static_cast, with no offset tricks.
//
// The list does not own its elements. An element must be removed before it
// is destroyed, and a list must be empty or cleared before it is.

#include <cstddef>
#include <iterator>

namespace kstd {

template <typename Tag = void>
class IntrusiveListNode {
public:
    IntrusiveListNode() = default;
    // A node's links belong to the list it is in, not to its value.
    IntrusiveListNode(const IntrusiveListNode&) {}
    IntrusiveListNode& operator=(const IntrusiveListNode&) { return *this; }

    bool is_linked() const { return m_next != nullptr; }

private:
    template <typename, typename>
    friend class IntrusiveList;

    IntrusiveListNode* m_previous = nullptr;
    IntrusiveListNode* m_next = nullptr;
};

template <typename T, typename Tag = void>
class IntrusiveList {
    using Node = IntrusiveListNode<Tag>;

public:
    template <typename Element, typename NodeType>
    class Iterator {
    public:
        using iterator_category = std::bidirectional_iterator_tag;
        using value_type = T;
        using difference_type = ptrdiff_t;
        using pointer = Element*;
        using reference = Element&;

        Iterator() = default;
        explicit Iterator(NodeType* node) : m_node(node) {}
        // Every node but the sentinel (end()) is the Node base of an Element.
        reference operator*() const { return static_cast<reference>(*m_node); }
        pointer operator->() const { return &**this; }
        Iterator& operator++()
        {
            m_node = m_node->m_next;
            return *this;
        }
        Iterator operator++(int)
        {
            Iterator old = *this;
            ++*this;
            return old;
        }
        Iterator& operator--()
        {
            m_node = m_node->m_previous;
            return *this;
        }
        Iterator operator--(int)
        {
            Iterator old = *this;
            --*this;
            return old;
        }
        bool operator==(const Iterator&) const = default;

    private:
        NodeType* m_node = nullptr;
    };
    using iterator = Iterator<T, Node>;
    using const_iterator = Iterator<const T, const Node>;

    IntrusiveList()
    {
        m_sentinel.m_previous = &m_sentinel;
        m_sentinel.m_next = &m_sentinel;
    }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;
    ~IntrusiveList() { clear(); }

    bool empty() const { return m_sentinel.m_next == &m_sentinel; }
    size_t size() const { return m_size; }

    void push_front(T& element) { link_before(m_sentinel.m_next, node_of(element)); }
    void push_back(T& element) { link_before(&m_sentinel, node_of(element)); }
    // Inserts `element` before `position`.
    void insert(iterator position, T& element) { link_before(position_node(position), node_of(element)); }

    T* front() { return empty() ? nullptr : &element_of(*m_sentinel.m_next); }
    T* back() { return empty() ? nullptr : &element_of(*m_sentinel.m_previous); }
    T* pop_front()
    {
        T* element = front();
        if (element)
            remove(*element);
        return element;
    }
    T* pop_back()
    {
        T* element = back();
        if (element)
            remove(*element);
        return element;
    }

    // `element` must be in this list.
    void remove(T& element)
    {
        Node& node = node_of(element);
        node.m_previous->m_next = node.m_next;
        node.m_next->m_previous = node.m_previous;
        node.m_previous = nullptr;
        node.m_next = nullptr;
        --m_size;
    }

    // Unlinks every element.
    void clear()
    {
        while (pop_front() != nullptr) {
        }
    }

    bool contains(const T& element) const
    {
        for (const T& candidate : *this) {
            if (&candidate == &element)
                return true;
        }
        return false;
    }

    iterator begin() { return iterator(m_sentinel.m_next); }
    iterator end() { return iterator(&m_sentinel); }
    const_iterator begin() const { return const_iterator(m_sentinel.m_next); }
    const_iterator end() const { return const_iterator(&m_sentinel); }

private:
    static Node& node_of(T& element) { return static_cast<Node&>(element); }
    // A node that is not the sentinel is the Node base of a T.
    static T& element_of(Node& node) { return static_cast<T&>(node); }
    Node* position_node(iterator position) { return position == end() ? &m_sentinel : &node_of(*position); }

    void link_before(Node* next, Node& node)
    {
        node.m_next = next;
        node.m_previous = next->m_previous;
        next->m_previous->m_next = &node;
        next->m_previous = &node;
        ++m_size;
    }

    Node m_sentinel;
    size_t m_size = 0;
};

} // namespace kstd
