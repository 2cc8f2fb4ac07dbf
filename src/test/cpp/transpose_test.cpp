// cpu/transpose.hpp against the element-by-element definition dst[j * ldd + i] = src[i * lds + j]: float (8 x 8
// register blocks where AVX2 is compiled in, scalar edges) and double, shapes that are and are not multiples of 8 and
// of the tile, padded leading dimensions (the SSD rows' offset and stride), 1 and 2 threads; elements outside the
// block must stay untouched.
#include "cpu/transpose.hpp"

#include "check.hpp"

#include <cstdint>
#include <vector>

namespace {

template <class T>
void one(int64_t rows, int64_t cols, int64_t lds_pad, int64_t ldd_pad, int threads) {
    const int64_t lds = cols + lds_pad, ldd = rows + ldd_pad;
    std::vector<T> src(size_t(rows * lds)), dst(size_t(cols * ldd), T(-7));
    for (size_t k = 0; k < src.size(); k++) src[k] = T(int64_t(k) % 1009) + T(0.25);
    tdsr::cpu::transpose(src.data(), rows, cols, lds, dst.data(), ldd, threads);
    for (int64_t j = 0; j < cols; j++)
        for (int64_t i = 0; i < ldd; i++) {
            const T want = i < rows ? src[size_t(i * lds + j)] : T(-7);
            if (dst[size_t(j * ldd + i)] != want)
                check::fail(__FILE__, __LINE__, "rows " + std::to_string(rows) + " cols " + std::to_string(cols) +
                                                    " threads " + std::to_string(threads) + ": dst[" +
                                                    std::to_string(j) + "][" + std::to_string(i) + "] wrong");
        }
}

template <class T>
void shapes() {
    const int64_t sizes[][2] = {{1, 1}, {3, 5}, {8, 8}, {16, 24}, {13, 29}, {64, 300}, {300, 64}, {127, 65}, {64, 9025}};
    for (int threads : {1, 2})
        for (const auto& s : sizes) {
            one<T>(s[0], s[1], 0, 0, threads);
            one<T>(s[0], s[1], 3, 5, threads);
        }
}

}  // namespace

int main() {
    int failed = 0;
    failed += check::run("float transposes", [] { shapes<float>(); });
    failed += check::run("double transposes", [] { shapes<double>(); });
    return failed ? 1 : 0;
}
