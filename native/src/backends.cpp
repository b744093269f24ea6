#include "backends.h"

#include "engine.h"
#include "ggml-backend.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>

#ifdef _WIN32
#    ifndef NOMINMAX
#        define NOMINMAX
#    endif
#    include <windows.h>
#else
#    include <dlfcn.h>
#endif

namespace fs = std::filesystem;

namespace rs {
namespace {

std::vector<std::string> cpu_features() {
    std::vector<std::string> out;
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("CPU");
    if (!reg) return out;
    auto get = (ggml_backend_get_features_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features");
    if (!get) return out;
    for (ggml_backend_feature * f = get(reg); f && f->name; f++) {
        // the CPU backend lists its compile-time features with value "1" (and a few facts such as its name)
        out.push_back(std::string(f->value) == "1" ? std::string(f->name) : std::string(f->name) + "=" + f->value);
    }
    return out;
}

#ifdef GGML_BACKEND_DL

// ---- the platform's loader, only to ask a library for its score and to hear why one does not open ----------------

#    ifdef _WIN32
using LibHandle = HMODULE;

std::string last_os_error() {
    DWORD code = GetLastError();
    char * buf = nullptr;
    FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
                   code, 0, (LPSTR) &buf, 0, nullptr);
    std::string s = buf ? buf : "";
    if (buf) LocalFree(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s + " (error " + std::to_string(code) + ")";
}

LibHandle lib_open(const fs::path & p, std::string & err) {
    // a missing dependency (nvcuda.dll, vulkan-1.dll) must not pop up a system dialog
    UINT old = SetErrorMode(SEM_FAILCRITICALERRORS);
    LibHandle h = LoadLibraryExW(p.wstring().c_str(), nullptr, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
    if (!h) err = last_os_error();
    SetErrorMode(old);
    return h;
}
void * lib_sym(LibHandle h, const char * name) { return (void *) GetProcAddress(h, name); }
void   lib_close(LibHandle h) { FreeLibrary(h); }

fs::path own_dir() {
    HMODULE self = nullptr;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                       (LPCWSTR) (void *) &own_dir, &self);
    std::wstring buf(32768, L'\0');
    DWORD n = GetModuleFileNameW(self, buf.data(), (DWORD) buf.size());
    buf.resize(n);
    return fs::path(buf).parent_path();
}
const char * kPrefix = "ggml-";
const char * kExt    = ".dll";
#    else
using LibHandle = void *;

LibHandle lib_open(const fs::path & p, std::string & err) {
    LibHandle h = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char * e = dlerror();
        err = e ? e : "unknown dlopen error";
    }
    return h;
}
void * lib_sym(LibHandle h, const char * name) { return dlsym(h, name); }
void   lib_close(LibHandle h) { dlclose(h); }

fs::path own_dir() {
    Dl_info info{};
    if (dladdr((void *) &own_dir, &info) && info.dli_fname) return fs::absolute(fs::path(info.dli_fname)).parent_path();
    return fs::current_path();
}
const char * kPrefix = "libggml-";
const char * kExt    = ".so"; // ggml names its modules .so on macOS too (backend_filename_extension)
#    endif

// What a library says about this machine before anything of it runs: the score function lives in an object compiled
// without the variant's instruction-set flags (ggml's cpu-feats), so asking it is safe on any CPU.
int score_of(LibHandle h) {
    auto score = (int (*)()) lib_sym(h, "ggml_backend_score");
    return score ? score() : -1;
}

int probe_score(const fs::path & p, std::string & err) {
    LibHandle h = lib_open(p, err);
    if (!h) return -2;
    const int s = score_of(h);
    lib_close(h);
    return s;
}

bool wanted(const std::string & filter, const std::string & kind, const std::string & name) {
    if (filter.empty()) return true;
    std::stringstream ss(filter);
    std::string       item;
    while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (item == kind || item == name) return true;
        if (item == "gpu" && kind == "gpu") return true;
    }
    return false;
}

void load_gpu(BackendCandidate & c) {
    std::string err;
    // Held open until ggml has loaded it: on Windows ggml's plain LoadLibraryW does not search the module's own folder
    // for its imports (cudart64_*.dll beside it), our probe does; a module already loaded is not resolved again.
    LibHandle probe = lib_open(c.file, err);
    if (!probe) {
        c.status = "failed";
        c.detail = err; // typically the driver's runtime library is absent: libcuda.so.1, libvulkan.so.1, nvcuda.dll
        return;
    }
    const int score = score_of(probe);
    c.score = score < -1 ? -1 : score;
    if (score == 0) {
        lib_close(probe);
        c.status = "unsupported";
        c.detail = "the library reports that this machine cannot run it";
        return;
    }
    clear_log_error();
    ggml_backend_reg_t reg = ggml_backend_load(c.file.c_str());
    lib_close(probe);
    if (!reg) {
        c.status = "failed";
        c.detail = last_log_error().empty() ? "ggml_backend_load returned no backend" : last_log_error();
        return;
    }
    c.devices = (int) ggml_backend_reg_dev_count(reg);
    if (c.devices == 0) {
        c.status = "no-device";
        c.detail = last_log_error().empty() ? "the backend found no device it can use" : last_log_error();
        ggml_backend_unload(reg);
        return;
    }
    c.status = "loaded";
}

BackendReport load_dynamic() {
    BackendReport r;
    r.dynamic = true;
    const fs::path dir = own_dir();
    r.dir = dir.string();
    if (const char * f = std::getenv("ROTORSCRIBE_BACKENDS")) r.gpu_filter = f;

    std::error_code ec;
    for (const auto & e : fs::directory_iterator(dir, ec)) {
        const std::string fn = e.path().filename().string();
        if (fn.rfind(kPrefix, 0) != 0 || fn.size() <= std::string(kExt).size() ||
            fn.compare(fn.size() - std::string(kExt).size(), std::string::npos, kExt) != 0) {
            continue;
        }
        std::string name = fn.substr(std::string(kPrefix).size(), fn.size() - std::string(kPrefix).size() - std::string(kExt).size());
        if (name == "base") continue; // libggml-base: the core, not a backend
        BackendCandidate c;
        c.name = name;
        c.file = e.path().string();
        c.kind = (name == "cpu" || name.rfind("cpu-", 0) == 0) ? "cpu" : "gpu";
        r.candidates.push_back(c);
    }
    std::sort(r.candidates.begin(), r.candidates.end(),
              [](const BackendCandidate & a, const BackendCandidate & b) { return a.name < b.name; });

    // GPUs first: llama.cpp places layers on devices in registration order
    for (auto & c : r.candidates) {
        if (c.kind != "gpu") continue;
        if (!wanted(r.gpu_filter, c.kind, c.name)) {
            c.status = "disabled";
            c.detail = "left out by ROTORSCRIBE_BACKENDS=" + r.gpu_filter;
            continue;
        }
        load_gpu(c);
    }

    // CPU: every variant's score, the best one loaded (ggml_backend_load_best does the same without telling why)
    BackendCandidate * best = nullptr;
    for (auto & c : r.candidates) {
        if (c.kind != "cpu") continue;
        std::string err;
        const int s = probe_score(c.file, err);
        if (s == -2) {
            c.status = "failed";
            c.detail = err;
            continue;
        }
        c.score = s;
        if (s == 0) {
            c.status = "unsupported";
            c.detail = "needs instructions this CPU does not have";
            continue;
        }
        c.status = "not-best";
        // a single module without variants (GGML_NATIVE or a platform without a variant list) has no score: -1
        if (!best || s > best->score) best = &c;
    }
    if (best) {
        clear_log_error();
        if (ggml_backend_load(best->file.c_str())) {
            best->status = "loaded";
            best->devices = 1;
            r.cpu_variant = best->name == "cpu" ? "native" : best->name.substr(4);
        } else {
            best->status = "failed";
            best->detail = last_log_error().empty() ? "ggml_backend_load returned no backend" : last_log_error();
        }
    }
    r.cpu_features = cpu_features();
    return r;
}

#else

BackendReport load_static() {
    BackendReport r;
    r.dynamic     = false;
    r.cpu_variant = "static";
    for (size_t i = 0; i < ggml_backend_reg_count(); i++) {
        ggml_backend_reg_t reg = ggml_backend_reg_get(i);
        BackendCandidate   c;
        c.name    = ggml_backend_reg_name(reg);
        std::transform(c.name.begin(), c.name.end(), c.name.begin(), [](unsigned char ch) { return (char) std::tolower(ch); });
        c.kind    = c.name == "cpu" ? "cpu" : "gpu";
        c.devices = (int) ggml_backend_reg_dev_count(reg);
        c.status  = c.devices > 0 ? "loaded" : "no-device";
        r.candidates.push_back(c);
    }
    r.cpu_features = cpu_features();
    return r;
}

#endif // GGML_BACKEND_DL

} // namespace

const BackendReport & load_backends() {
    static std::once_flag once;
    static BackendReport  report;
    std::call_once(once, [] {
#ifdef GGML_BACKEND_DL
        report = load_dynamic();
#else
        report = load_static();
#endif
    });
    return report;
}

} // namespace rs
