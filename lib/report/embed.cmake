# embed.cmake: turns lib/report/browser.js into a C array (cmake -DIN=... -DOUT=... -P embed.cmake),
# so the page's script stays a readable .js file and is still built into libdepsim.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," arr "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" arr "${arr}")
file(WRITE "${OUT}.tmp" "/* generated from lib/report/browser.js by lib/report/embed.cmake: do not edit */\n#include <stddef.h>\n\nconst char report_browser_js[] = {\n${arr}0};\nconst size_t report_browser_js_len = sizeof report_browser_js - 1;\n")
file(RENAME "${OUT}.tmp" "${OUT}")
