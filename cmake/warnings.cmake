# Interface target carrying the project's warning flags.
add_library(pm_warnings INTERFACE)
target_compile_options(pm_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2)
if(PM_WERROR)
  target_compile_options(pm_warnings INTERFACE -Werror)
endif()
