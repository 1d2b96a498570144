// error_of.h — small helpers for tests that check error messages.
#pragma once
#include <doctest/doctest.h>

#include <exception>
#include <string>

namespace aet::testing {

// doctest::Contains wants its own string type; this accepts std::string too.
inline doctest::Contains has(const std::string& s) { return doctest::Contains(s.c_str()); }

// The message of the exception `f` throws; fails the test if it throws nothing.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return "";
}

}  // namespace aet::testing
