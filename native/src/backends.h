// Which ggml backends this process runs on: the CPU variant picked for this processor and the GPU backends that
// loaded, with the reason for each one that did not. Free of Node-API (test tools link it through engine.cpp).
#pragma once

#include <string>
#include <vector>

namespace rs {

// One backend library found beside the addon (or compiled in, for a static build).
struct BackendCandidate {
    std::string name;   // file name without prefix/extension: "cpu-haswell", "cpu", "cuda", "vulkan"
    std::string file;   // full path; empty when compiled in
    std::string kind;   // "cpu" or "gpu" (every non-CPU backend: CUDA, Vulkan, Metal, ...)
    int         score = -1; // the library's own ggml_backend_score(); 0: it needs features this machine lacks; -1: none
    // loaded: registered and in use; unsupported: score 0; not-best: runs here, a higher-scoring variant was taken;
    // no-device: loaded but found no device (driver present, no GPU); failed: could not be opened or initialised;
    // disabled: left out on purpose (ROTORSCRIBE_BACKENDS)
    std::string status;
    std::string detail; // the loader's or the backend's own words when it did not load
    int         devices = 0;
};

struct BackendReport {
    bool        dynamic = false; // backends are separate libraries (GGML_BACKEND_DL); false: compiled into the addon
    std::string dir;             // where they were looked for
    std::string cpu_variant;     // the CPU backend in use: "haswell", "x64", "native" (single module), "static"
    std::vector<std::string> cpu_features; // what the loaded CPU backend reports (ggml_backend_get_features)
    std::string gpu_filter;      // ROTORSCRIBE_BACKENDS as read ("" = every backend found)
    std::vector<BackendCandidate> candidates;
};

// Loads the backends once per process (ROTORSCRIBE_BACKENDS=cpu leaves the GPU libraries out; a comma-separated list
// such as "vulkan,cpu" keeps only those) and returns what happened. Thread-safe; later calls return the same report.
const BackendReport & load_backends();

} // namespace rs
