// Unit tests for StringPool and InternedString: one stored copy per distinct
// text, exact statistics, release on the last handle, and handles that
// outlive their pool. Pure; run under ASan to catch leaks and use-after-free.
#include "common/string_pool.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using pm::InternedString;
using pm::StringPool;

}  // namespace

TEST_SUITE("common") {

TEST_CASE("pool stores the same text once however often it is interned") {
    StringPool pool;
    std::string first = "worker";
    std::string second = "work";
    second += "er";  // equal text from a different buffer
    InternedString a = pool.intern(first);
    InternedString b = pool.intern(second);
    CHECK(a.view() == "worker");
    CHECK(b.view() == "worker");
    CHECK(a == b);
    CHECK(a.view().data() == b.view().data());  // one shared copy
    CHECK(a.view().data() != first.data());     // not a view of the caller's buffer
    CHECK(pool.size() == 1);
    CHECK(a.str() == "worker");
    CHECK(std::string(a.c_str()) == "worker");

    InternedString c = pool.intern("other");
    CHECK(pool.size() == 2);
    CHECK_FALSE(a == c);
}

TEST_CASE("pool statistics count entries, bytes, lookups, hits and bytes saved") {
    StringPool pool;
    SUBCASE("empty pool") {
        auto s = pool.stats();
        CHECK(s.entries == 0);
        CHECK(s.bytes == 0);
        CHECK(s.lookups == 0);
        CHECK(s.hits == 0);
        CHECK(s.bytes_saved == 0);
    }
    SUBCASE("two distinct texts, one of them interned three times") {
        InternedString a1 = pool.intern("alpha");  // 5 bytes, new
        InternedString b1 = pool.intern("beta");   // 4 bytes, new
        InternedString a2 = pool.intern("alpha");  // hit
        InternedString a3 = pool.intern("alpha");  // hit
        auto s = pool.stats();
        CHECK(s.entries == 2);
        CHECK(s.bytes == 9);
        CHECK(s.lookups == 4);
        CHECK(s.hits == 2);
        CHECK(s.bytes_saved == 10);  // two extra "alpha" copies avoided

        // Dropping one duplicate lowers the saving; counters stay cumulative.
        a3 = InternedString();
        s = pool.stats();
        CHECK(s.entries == 2);
        CHECK(s.bytes == 9);
        CHECK(s.lookups == 4);
        CHECK(s.hits == 2);
        CHECK(s.bytes_saved == 5);

        // Releasing every "alpha" removes its entry and its bytes.
        a1 = InternedString();
        a2 = InternedString();
        s = pool.stats();
        CHECK(s.entries == 1);
        CHECK(s.bytes == 4);
        CHECK(s.bytes_saved == 0);
        CHECK(b1.view() == "beta");
    }
    SUBCASE("a copied handle counts as a saved duplicate") {
        InternedString a = pool.intern("gamma");
        InternedString copy = a;  // NOLINT(performance-unnecessary-copy-initialization)
        auto s = pool.stats();
        CHECK(s.entries == 1);
        CHECK(s.bytes == 5);
        CHECK(s.lookups == 1);
        CHECK(s.hits == 0);
        CHECK(s.bytes_saved == 5);
        CHECK(copy.view() == "gamma");
    }
}

TEST_CASE("pool releases an entry when its last handle goes") {
    StringPool pool;
    SUBCASE("handle goes out of scope") {
        {
            InternedString h = pool.intern("scoped");
            CHECK(pool.size() == 1);
        }
        CHECK(pool.size() == 0);
        CHECK(pool.stats().bytes == 0);
    }
    SUBCASE("copies keep the entry until the last one goes") {
        auto h = std::make_unique<InternedString>(pool.intern("copied"));
        auto c1 = std::make_unique<InternedString>(*h);
        InternedString c2;
        c2 = *c1;  // copy assignment
        h.reset();
        CHECK(pool.size() == 1);
        c1.reset();
        CHECK(pool.size() == 1);
        CHECK(c2.view() == "copied");
        c2 = InternedString();
        CHECK(pool.size() == 0);
    }
    SUBCASE("a move transfers the reference without adding one") {
        InternedString h = pool.intern("moved");
        InternedString m(std::move(h));
        CHECK(pool.size() == 1);
        CHECK(pool.stats().bytes_saved == 0);  // still one reference
        InternedString n;
        n = std::move(m);  // move assignment
        CHECK(pool.size() == 1);
        CHECK(n.view() == "moved");
        n = InternedString();
        CHECK(pool.size() == 0);
    }
    SUBCASE("assigning another text releases the old entry") {
        InternedString h = pool.intern("old");
        h = pool.intern("new");
        CHECK(pool.size() == 1);
        CHECK(h.view() == "new");
        CHECK(pool.stats().bytes == 3);
    }
    SUBCASE("self assignment keeps the entry") {
        InternedString h = pool.intern("self");
        InternedString& alias = h;
        h = alias;
        CHECK(pool.size() == 1);
        CHECK(h.view() == "self");
        h = std::move(alias);
        CHECK(pool.size() == 1);
        CHECK(h.view() == "self");
    }
    SUBCASE("interning again after release creates a fresh entry") {
        { InternedString h = pool.intern("again"); }
        CHECK(pool.size() == 0);
        InternedString h = pool.intern("again");
        CHECK(pool.size() == 1);
        CHECK(h.view() == "again");
        CHECK(pool.stats().lookups == 2);
        CHECK(pool.stats().hits == 0);
    }
    SUBCASE("many handles to many texts all release") {
        std::vector<InternedString> handles;
        for (int i = 0; i < 100; ++i) {
            handles.push_back(pool.intern("name-" + std::to_string(i % 10)));
        }
        CHECK(pool.size() == 10);
        handles.erase(handles.begin(), handles.begin() + 50);
        CHECK(pool.size() == 10);
        handles.clear();
        CHECK(pool.size() == 0);
        CHECK(pool.stats().bytes == 0);
    }
}

TEST_CASE("handles stay valid after their pool is destroyed") {
    SUBCASE("one handle") {
        InternedString h;
        {
            StringPool pool;
            h = pool.intern("survivor");
        }
        CHECK(h.view() == "survivor");
        CHECK(h.str() == "survivor");
    }
    SUBCASE("copies made before and after the pool is gone") {
        InternedString a;
        InternedString b;
        {
            StringPool pool;
            a = pool.intern("shared");
            b = pool.intern("shared");
            InternedString dropped = pool.intern("dropped");  // released with the pool's scope
        }
        InternedString c = a;
        CHECK(a.view() == "shared");
        CHECK(b.view() == "shared");
        CHECK(c.view() == "shared");
        a = InternedString();
        b = InternedString();
        CHECK(c.view() == "shared");  // the last handle still owns the text
    }
    SUBCASE("pool destroyed explicitly before the handle") {
        auto pool = std::make_unique<StringPool>();
        InternedString h = pool->intern("explicit");
        InternedString moved;
        pool.reset();
        moved = std::move(h);
        CHECK(moved.view() == "explicit");
        CHECK(h.view().empty());  // NOLINT(bugprone-use-after-move): moved-from handle is empty
    }
}

TEST_CASE("pool interns the empty string like any other text") {
    StringPool pool;
    InternedString e1 = pool.intern("");
    InternedString e2 = pool.intern(std::string_view());
    CHECK(e1.empty());
    CHECK(e1.view() == "");
    CHECK(std::string(e1.c_str()).empty());
    CHECK(e1 == e2);
    CHECK(pool.size() == 1);
    auto s = pool.stats();
    CHECK(s.bytes == 0);
    CHECK(s.hits == 1);
    CHECK(s.bytes_saved == 0);

    // A default handle reads as empty too and equals an interned "".
    InternedString none;
    CHECK(none.empty());
    CHECK(none.view() == "");
    CHECK(none.str().empty());
    CHECK(none == e1);
}

}  // TEST_SUITE("common")
