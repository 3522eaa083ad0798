# Every public header compiles on its own, and wdf.h and each C++ header
# compile together in either order: one generated translation unit per case,
# built with the library (ALL), so a header that stops being self-contained
# or order-independent breaks the build (and so `make test`), not a user.
# C headers: as C11 and as C++20; C++ headers: as C++20; pairs: as C++20.
# The driver include folder (include/kmdf) too, the way a driver includes
# its headers (<wdf.h>, not <kmdf/wdf.h>): each alone, as C11 and C++20.

set(include_root ${PROJECT_SOURCE_DIR}/include)
file(GLOB c_headers CONFIGURE_DEPENDS RELATIVE ${include_root}
  ${include_root}/wdfio/*.h ${include_root}/wdfio/detail/*.h)
file(GLOB cxx_headers CONFIGURE_DEPENDS RELATIVE ${include_root}
  ${include_root}/wdfio/*.hpp ${include_root}/wdfio/detail/*.hpp)

set(generated ${CMAKE_CURRENT_BINARY_DIR}/public_headers)
set(c_units "")
set(cxx_units "")

# file(CONFIGURE) rewrites a unit only when its text changes: a re-configure
# does not recompile them all. The typedef: ISO C forbids an empty unit,
# which a macro-only header leaves.
function(header_unit out_var file)
  list(JOIN ARGN "\n" lines)
  string(APPEND lines "\ntypedef int wdfio_header_check;")
  file(CONFIGURE OUTPUT ${generated}/${file} CONTENT "${lines}\n" @ONLY)
  set(${out_var} ${${out_var}} ${generated}/${file} PARENT_SCOPE)
endfunction()

foreach(header IN LISTS c_headers cxx_headers)
  string(MAKE_C_IDENTIFIER ${header} id)
  if(header MATCHES "\\.h$")
    header_unit(c_units ${id}.c "#include <${header}>")
  endif()
  header_unit(cxx_units ${id}.cpp "#include <${header}>")
endforeach()

foreach(header IN LISTS cxx_headers)
  string(MAKE_C_IDENTIFIER ${header} id)
  header_unit(cxx_units wdf_h_then_${id}.cpp "#include <wdfio/wdf.h>" "#include <${header}>")
  header_unit(cxx_units ${id}_then_wdf_h.cpp "#include <${header}>" "#include <wdfio/wdf.h>")
endforeach()

file(GLOB kmdf_headers CONFIGURE_DEPENDS RELATIVE ${include_root}/kmdf ${include_root}/kmdf/*.h)
set(kmdf_units "")
foreach(header IN LISTS kmdf_headers)
  string(MAKE_C_IDENTIFIER ${header} id)
  header_unit(kmdf_units kmdf_${id}.c "#include <${header}>")
  header_unit(kmdf_units kmdf_${id}.cpp "#include <${header}>")
endforeach()
add_library(wdfio_header_checks_kmdf OBJECT ${kmdf_units})
set_target_properties(wdfio_header_checks_kmdf PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_include_directories(wdfio_header_checks_kmdf PRIVATE ${include_root}/kmdf ${include_root})
target_compile_options(wdfio_header_checks_kmdf PRIVATE -Wall -Wextra -Wpedantic -Werror)

add_library(wdfio_header_checks_c OBJECT ${c_units})
set_target_properties(wdfio_header_checks_c PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
add_library(wdfio_header_checks_cxx OBJECT ${cxx_units})
foreach(target wdfio_header_checks_c wdfio_header_checks_cxx)
  target_include_directories(${target} PRIVATE ${include_root})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
endforeach()
