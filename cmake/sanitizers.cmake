# PM_SANITIZE=ON instruments every target with ASan + UBSan (tests run this way in CI).
if(PM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
