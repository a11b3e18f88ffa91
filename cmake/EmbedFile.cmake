# Turns a file into a C++ string_view constant, so that nimbus serves it from its own binary
# (the dashboard page). Run at build time:
#   cmake -DINPUT=page.html -DOUTPUT=page.cc -DNAME=kPage -DNAMESPACE=nimbus::observe -P EmbedFile.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")nimbus_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )nimbus_embed\"")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/EmbedFile.cmake; do not edit.\n"
  "#include <string_view>\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "extern const std::string_view ${NAME};\n"
  "const std::string_view ${NAME} = R\"nimbus_embed(${content})nimbus_embed\";\n\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
