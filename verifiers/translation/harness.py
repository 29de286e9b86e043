"""The trusted C++ harness every test driver is compiled with.

It owns `main`, reads the per-run nonce and seed from `assay.nonce` (then deletes it), calls the
test's `assay_test()`, and writes every value the test emits to `assay.results`, one line per
record, each line starting with the nonce; only after `assay_test()` returns does it write the
`#end` line and `_exit(0)`. Candidate stdout is never read. Its helpers have internal linkage, so
the candidate (a separate translation unit) cannot interpose them; it can still read its own
process (see README: what this does and does not stop).
"""

from __future__ import annotations

NONCE_FILE = "assay.nonce"
RESULTS_FILE = "assay.results"
HEADER_NAME = "assay_harness.hpp"

HEADER = r"""#pragma once
#include <array>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>
#include <fcntl.h>
#include <unistd.h>

void assay_test();  // defined by the test driver

namespace assay {
namespace {
char g_nonce[96] = {0};
unsigned long long g_seed = 0;
int g_fd = -1;
unsigned long long g_max_size = 0;
std::string g_line;

__attribute__((constructor(101))) void start_() {
    int fd = ::open("assay.nonce", O_RDONLY);
    if (fd < 0) return;
    char buf[256] = {0};
    ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
    ::close(fd);
    ::unlink("assay.nonce");
    if (n <= 0 || std::sscanf(buf, "%80s %llu", g_nonce, &g_seed) != 2) return;
    g_fd = ::open("assay.results", O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

/* The per-run seed: derive every random input from it (srand(assay::seed())). */
inline unsigned long long seed() { return g_seed; }

struct any_t { template <class T> operator T() const; };
template <class T, class... A>
decltype(void(T{std::declval<A>()...}), std::true_type{}) braces_(int);
template <class T, class... A> std::false_type braces_(...);
template <class T, class... A> constexpr bool braces = decltype(braces_<T, A...>(0))::value;
template <class T> constexpr int fields() {
    if constexpr (braces<T, any_t, any_t, any_t, any_t, any_t, any_t>) return 6;
    else if constexpr (braces<T, any_t, any_t, any_t, any_t, any_t>) return 5;
    else if constexpr (braces<T, any_t, any_t, any_t, any_t>) return 4;
    else if constexpr (braces<T, any_t, any_t, any_t>) return 3;
    else if constexpr (braces<T, any_t, any_t>) return 2;
    else if constexpr (braces<T, any_t>) return 1;
    else return 0;
}

template <class T> struct is_seq : std::false_type {};
template <class T, class A> struct is_seq<std::vector<T, A>> : std::true_type {};
template <class T, size_t N> struct is_seq<std::array<T, N>> : std::true_type {};
template <class T> struct is_cpx : std::false_type {};
template <class T> struct is_cpx<std::complex<T>> : std::true_type {};
template <class T> struct is_tup : std::false_type {};
template <class A, class B> struct is_tup<std::pair<A, B>> : std::true_type {};
template <class... A> struct is_tup<std::tuple<A...>> : std::true_type {};

inline void tok_(char kind, const char *text) {
    g_line += ' ';
    g_line += kind;
    g_line += ':';
    g_line += text;
}
inline void put_i(long long v) { char b[32]; std::snprintf(b, 32, "%lld", v); tok_('i', b); }
inline void put_u(unsigned long long v) {
    char b[32];
    std::snprintf(b, 32, "%llu", v);
    tok_('i', b);
}
inline void put_f(double v) { char b[40]; std::snprintf(b, 40, "%.17g", v); tok_('f', b); }
inline void put_g(float v) { char b[40]; std::snprintf(b, 40, "%.9g", (double)v); tok_('g', b); }
inline void put_s(const std::string &s) {
    std::string hex;
    static const char *digits = "0123456789abcdef";
    for (unsigned char c : s) { hex += digits[c >> 4]; hex += digits[c & 15]; }
    tok_('s', hex.empty() ? "-" : hex.c_str());
}
inline void note_size(unsigned long long n) { if (n > g_max_size) g_max_size = n; }

template <class T> void put(const T &v);
template <class... T> void each(T const &...x) { (put(x), ...); }

template <class T> void put(const T &v) {
    using U = std::decay_t<T>;
    if constexpr (std::is_same_v<U, bool>) put_i(v ? 1 : 0);
    else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) put_i((long long)v);
    else if constexpr (std::is_integral_v<U>) put_u((unsigned long long)v);
    else if constexpr (std::is_enum_v<U>) put_i((long long)v);
    else if constexpr (std::is_same_v<U, float>) put_g(v);
    else if constexpr (std::is_floating_point_v<U>) put_f((double)v);
    else if constexpr (is_cpx<U>::value) { put_f(v.real()); put_f(v.imag()); }
    else if constexpr (std::is_same_v<U, std::string>) put_s(v);
    else if constexpr (std::is_same_v<U, const char *> || std::is_same_v<U, char *>) put_s(v);
    else if constexpr (std::is_same_v<U, std::vector<bool>>) {
        note_size(v.size());
        for (bool b : v) put_i(b ? 1 : 0);
    } else if constexpr (is_seq<U>::value) {
        note_size(v.size());
        for (auto const &x : v) put(x);
    } else if constexpr (is_tup<U>::value) std::apply([](auto const &...x) { (put(x), ...); }, v);
    else if constexpr (std::is_pointer_v<U>)
        static_assert(!sizeof(U), "assay::emit: pass a container, not a pointer");
    else if constexpr (std::is_aggregate_v<U>) {
        constexpr int n = fields<U>();
        if constexpr (n == 1) { auto const &[a] = v; each(a); }
        else if constexpr (n == 2) { auto const &[a, b] = v; each(a, b); }
        else if constexpr (n == 3) { auto const &[a, b, c] = v; each(a, b, c); }
        else if constexpr (n == 4) { auto const &[a, b, c, d] = v; each(a, b, c, d); }
        else if constexpr (n == 5) { auto const &[a, b, c, d, e] = v; each(a, b, c, d, e); }
        else if constexpr (n == 6) { auto const &[a, b, c, d, e, g] = v; each(a, b, c, d, e, g); }
        else static_assert(!sizeof(U), "assay::emit: aggregate with too many fields");
    } else static_assert(!sizeof(U), "assay::emit: unsupported type");
}

inline void flush_() {
    g_line += '\n';
    const char *p = g_line.data();
    size_t left = g_line.size();
    while (left > 0 && g_fd >= 0) {
        ssize_t n = ::write(g_fd, p, left);
        if (n <= 0) break;
        p += n;
        left -= (size_t)n;
    }
    g_line.clear();
}

/* Record `values` under `name`: integers compare exactly, floats within a relative tolerance. */
template <class... T> void emit(const char *name, T const &...values) {
    g_line = g_nonce;
    g_line += ' ';
    g_line += name;
    (put(values), ...);
    flush_();
}

/* Measure a container's size without recording it (sizes decide if a test is degenerate). */
template <class T> void observe(T const &value) {
    using U = std::decay_t<T>;
    if constexpr (std::is_same_v<U, std::vector<bool>>) note_size(value.size());
    else if constexpr (is_seq<U>::value) {
        note_size(value.size());
        using E = std::decay_t<decltype(*value.begin())>;
        if constexpr (is_seq<E>::value)
            for (auto const &x : value) observe(x);
    }
}
}  // namespace
}  // namespace assay

int main() {
    if (assay::g_fd < 0) {
        std::fprintf(stderr, "assay harness: no nonce; not started by assay\n");
        return 3;
    }
    assay_test();
    char tail[64];
    std::snprintf(tail, sizeof(tail), "%llu", assay::g_max_size);
    assay::g_line = std::string(assay::g_nonce) + " #size " + tail;
    assay::flush_();
    assay::g_line = std::string(assay::g_nonce) + " #end";
    assay::flush_();
    std::fflush(nullptr);
    ::fsync(assay::g_fd);
    ::close(assay::g_fd);
    ::_exit(0);
}
"""
