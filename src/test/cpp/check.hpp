// A tiny assertion helper for the standalone C++ tests: a failed check throws check::Failure carrying
// file:line and the failed expression; the test's main catches it, prints it and exits non-zero.
#pragma once

#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace check {

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
    throw Failure(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

// Runs one named case of a test's main: prints "ok NAME" or "FAIL NAME: where and what", returns 0 or 1.
inline int run(const char* name, const std::function<void()>& f) {
    try {
        f();
        std::printf("ok %s\n", name);
        return 0;
    } catch (const Failure& e) {
        std::printf("FAIL %s: %s\n", name, e.what());
        return 1;
    }
}

}  // namespace check

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) ::check::fail(__FILE__, __LINE__, "CHECK(" #cond ") failed"); \
    } while (0)

// Prints both values on failure; the operands must be streamable and of comparable types.
#define CHECK_EQ(a, b)                                                                           \
    do {                                                                                         \
        const auto& check_a_ = (a);                                                              \
        const auto& check_b_ = (b);                                                              \
        if (!(check_a_ == check_b_)) {                                                           \
            std::ostringstream check_os_;                                                        \
            check_os_ << "CHECK_EQ(" #a ", " #b ") failed: " << check_a_ << " vs " << check_b_; \
            ::check::fail(__FILE__, __LINE__, check_os_.str());                                  \
        }                                                                                        \
    } while (0)

#define CHECK_THROWS(expr, type)                                                                        \
    do {                                                                                                \
        bool check_thrown_ = false;                                                                     \
        try {                                                                                           \
            (void)(expr);                                                                               \
        } catch (const type&) {                                                                         \
            check_thrown_ = true;                                                                       \
        }                                                                                               \
        if (!check_thrown_) ::check::fail(__FILE__, __LINE__, "CHECK_THROWS(" #expr ", " #type ") failed"); \
    } while (0)
