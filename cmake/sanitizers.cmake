# PM_SANITIZE=ON instruments every target with ASan + UBSan (tests run this way in CI).
if(PM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# pm_static_runtime(target): libstdc++ and libgcc linked in (PM_STATIC_RUNTIME),
# except under the sanitizers, whose runtimes expect the shared ones.
function(pm_static_runtime target)
  if(PM_STATIC_RUNTIME AND NOT PM_SANITIZE)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
