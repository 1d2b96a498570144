// scratch_file.h — the fuzz targets hand each input to a reader that takes a path, so
// every input is first written to one scratch file per process.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

// Writes data to /tmp/aet_fuzz_<tag>_<pid> and returns that path ("" if it cannot).
inline std::string write_scratch_file(const char* tag, const uint8_t* data, size_t size) {
  const std::string path = std::string("/tmp/aet_fuzz_") + tag + "_" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return "";
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}
