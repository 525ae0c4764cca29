# Every third-party dependency, from Debian's packages (see scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)            # CMake's FindProtobuf: Debian ships no protobuf-config
find_package(gRPC CONFIG REQUIRED)         # gRPC::grpc++, gRPC::grpc++_reflection, gRPC::grpc_cpp_plugin
find_package(absl CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(ICU 72 REQUIRED COMPONENTS uc i18n)  # ICU::uc, ICU::i18n: search keys, collation
find_package(prometheus-cpp CONFIG REQUIRED)  # prometheus-cpp::core (registry, families, serializer)
find_package(PkgConfig REQUIRED)
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(libpq REQUIRED IMPORTED_TARGET libpq)  # PkgConfig::libpq: the PostgreSQL profile store
if(MGI_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()

# The googleapis protos (google/api, google/rpc) come inside Debian's libgoogle-common-protos-java.
set(MGI_GOOGLEAPIS_JAR /usr/share/java/proto-google-common-protos.jar)
set(MGI_GOOGLEAPIS_DIR ${CMAKE_BINARY_DIR}/third_party/googleapis)
if(NOT EXISTS ${MGI_GOOGLEAPIS_DIR}/google/api/annotations.proto)
  if(NOT EXISTS ${MGI_GOOGLEAPIS_JAR})
    message(FATAL_ERROR "${MGI_GOOGLEAPIS_JAR} is missing: run scripts/install-deps.sh")
  endif()
  file(MAKE_DIRECTORY ${MGI_GOOGLEAPIS_DIR})
  execute_process(COMMAND ${CMAKE_COMMAND} -E tar xf ${MGI_GOOGLEAPIS_JAR}
                  WORKING_DIRECTORY ${MGI_GOOGLEAPIS_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "could not extract ${MGI_GOOGLEAPIS_JAR}")
  endif()
endif()
set(MGI_GRPC_PROTO_DIR /usr/share/grpc-proto)
