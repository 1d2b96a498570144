// cpu_features.h — what the CPU we run on can do, asked once, in one place.
//
// The fast kernels are compiled for instruction sets the baseline build does not assume
// (AVX2, AVX-512); they may only run after one of these checks says yes. On a CPU of
// another architecture every x86 check is false.
#pragma once

namespace aet::kernels {

bool cpu_has_avx2_fma();  // AVX2 and FMA
bool cpu_has_avx512();    // AVX-512 F, VL, BW and DQ (with AVX2 and FMA)

}  // namespace aet::kernels
