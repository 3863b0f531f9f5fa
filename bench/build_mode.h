// File: bench/build_mode.h
//
// How the benchmark binary including this was compiled, for its report header: numbers from an
// unoptimised build are not comparable (the log path is ~6x slower at -O0), so every report says.
#ifndef EDGECTL_BENCH_BUILD_MODE_H_
#define EDGECTL_BENCH_BUILD_MODE_H_

namespace edgectl::bench {

inline const char* BuildMode() {
#if defined(__OPTIMIZE__) && defined(NDEBUG)
  return "optimised (-c opt)";
#elif defined(__OPTIMIZE__)
  return "optimised, assertions on";
#else
  return "unoptimised (fastbuild): compare with -c opt";
#endif
}

}  // namespace edgectl::bench

#endif  // EDGECTL_BENCH_BUILD_MODE_H_
