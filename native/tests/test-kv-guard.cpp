// The KV cache guard (issue 23) on a ggml backend that really lacks the RotorQuant kernels, not a switched answer:
// "FakeGPU" is a GPU-type device with its own buffer type whose memory and compute are the CPU backend's, and whose
// supports_op is the CPU's minus every op that reads or writes a RotorQuant type — what CUDA, Metal and Vulkan
// report today. The tiny model is loaded with every layer on it, so llama.cpp puts the KV cache in its buffers.
//
// usage: test-kv-guard MODEL guard | raw
//   guard  the guard: for each cache type, rs::kv_unsupported_op on FakeGPU and on the CPU, then rs::create_context
//          with it (KV_TYPE_UNSUPPORTED expected for RotorQuant), and an f16 context that decodes on FakeGPU after
//          the refusals. One `GUARD ...` line per check, `GUARD result ok|fail failed N` last.
//   raw    what happens without the guard: llama_init_from_model with an iso3 cache on FakeGPU (ggml-backend aborts
//          the process while it reserves the graph; the caller expects SIGABRT).
#include "engine.h"

#include "ggml-backend-impl.h"
#include "ggml-backend.h"
#include "llama.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

int g_failed = 0;

void check(bool ok, const std::string & what) {
    if (!ok) g_failed++;
    printf("GUARD %s %s\n", ok ? "pass" : "FAIL", what.c_str());
    fflush(stdout);
}

bool is_rotorquant(ggml_type t) { return t >= GGML_TYPE_PLANAR3 && t <= GGML_TYPE_ISO2; }

bool touches_rotorquant(const ggml_tensor * op) {
    if (is_rotorquant(op->type)) return true;
    for (int i = 0; i < GGML_MAX_SRC; i++) {
        if (op->src[i] && is_rotorquant(op->src[i]->type)) return true;
    }
    return false;
}

ggml_backend_dev_t cpu_dev() { return ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU); }

// ---- the fake device: CPU memory and compute behind a GPU's face, without RotorQuant kernels ---------------------

ggml_backend_buffer_type fake_buft_storage;
ggml_backend_device       fake_dev_storage;
ggml_backend_reg          fake_reg_storage;

ggml_backend_buffer_t fake_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size) {
    ggml_backend_buffer_t cpu = ggml_backend_buft_alloc_buffer(ggml_backend_dev_buffer_type(cpu_dev()), size);
    if (!cpu) return nullptr;
    // same memory and functions, but owned by our buffer type, so the scheduler sees FakeGPU's buffer
    ggml_backend_buffer_t buf = ggml_backend_buffer_init(buft, cpu->iface, cpu->context, cpu->size);
    cpu->iface.free_buffer = nullptr;
    ggml_backend_buffer_free(cpu); // the wrapper only
    return buf;
}

const char * fake_buft_name(ggml_backend_buffer_type_t) { return "FakeGPU"; }
bool         fake_buft_is_host(ggml_backend_buffer_type_t) { return false; }

const char * fake_name(ggml_backend_dev_t) { return "FakeGPU"; }
const char * fake_description(ggml_backend_dev_t) { return "CPU compute without RotorQuant kernels"; }
enum ggml_backend_dev_type fake_type(ggml_backend_dev_t) { return GGML_BACKEND_DEVICE_TYPE_GPU; }

void fake_memory(ggml_backend_dev_t, size_t * free, size_t * total) {
    ggml_backend_dev_memory(cpu_dev(), free, total);
}

void fake_props(ggml_backend_dev_t dev, ggml_backend_dev_props * props) {
    ggml_backend_dev_get_props(cpu_dev(), props);
    props->name = fake_name(dev);
    props->description = fake_description(dev);
    props->type = GGML_BACKEND_DEVICE_TYPE_GPU;
    props->caps.async = false;
    props->caps.host_buffer = false;
    props->caps.buffer_from_host_ptr = false;
    props->caps.events = false;
}

ggml_backend_t fake_init_backend(ggml_backend_dev_t dev, const char *) {
    // through the registry: in a GGML_BACKEND_DL build the CPU backend is a loaded module, not linked functions
    ggml_backend_t b = ggml_backend_dev_init(cpu_dev(), nullptr);
    if (!b) return nullptr;
    auto set_threads = (ggml_backend_set_n_threads_t) ggml_backend_reg_get_proc_address(
        ggml_backend_dev_backend_reg(cpu_dev()), "ggml_backend_set_n_threads");
    if (set_threads) set_threads(b, 2);
    b->device = dev; // supports_op / supports_buft now ask FakeGPU
    return b;
}

ggml_backend_buffer_type_t fake_get_buft(ggml_backend_dev_t) { return &fake_buft_storage; }

bool fake_supports_op(ggml_backend_dev_t, const ggml_tensor * op) {
    switch (op->op) {
        case GGML_OP_NONE:
        case GGML_OP_RESHAPE:
        case GGML_OP_VIEW:
        case GGML_OP_PERMUTE:
        case GGML_OP_TRANSPOSE:
            return true; // no kernel involved, as every GPU backend answers
        default:
            return !touches_rotorquant(op) && ggml_backend_dev_supports_op(cpu_dev(), op);
    }
}

bool fake_supports_buft(ggml_backend_dev_t, ggml_backend_buffer_type_t buft) { return buft == &fake_buft_storage; }

const char *       fake_reg_name(ggml_backend_reg_t) { return "FakeGPU"; }
size_t             fake_reg_count(ggml_backend_reg_t) { return 1; }
ggml_backend_dev_t fake_reg_dev(ggml_backend_reg_t, size_t) { return &fake_dev_storage; }
void *             fake_reg_proc(ggml_backend_reg_t, const char *) { return nullptr; }

ggml_backend_dev_t make_fake_device() {
    fake_reg_storage.api_version = GGML_BACKEND_API_VERSION;
    fake_reg_storage.iface = { fake_reg_name, fake_reg_count, fake_reg_dev, fake_reg_proc };
    fake_reg_storage.context = nullptr;

    ggml_backend_buffer_type_t cpu_buft = ggml_backend_dev_buffer_type(cpu_dev());
    fake_buft_storage.iface = cpu_buft->iface;
    fake_buft_storage.iface.get_name = fake_buft_name;
    fake_buft_storage.iface.alloc_buffer = fake_alloc_buffer;
    fake_buft_storage.iface.is_host = fake_buft_is_host;
    fake_buft_storage.device = &fake_dev_storage;
    fake_buft_storage.context = nullptr;

    ggml_backend_device_i & i = fake_dev_storage.iface;
    std::memset(&i, 0, sizeof(i));
    i.get_name = fake_name;
    i.get_description = fake_description;
    i.get_memory = fake_memory;
    i.get_type = fake_type;
    i.get_props = fake_props;
    i.init_backend = fake_init_backend;
    i.get_buffer_type = fake_get_buft;
    i.supports_op = fake_supports_op;
    i.supports_buft = fake_supports_buft;
    fake_dev_storage.reg = &fake_reg_storage;
    fake_dev_storage.context = nullptr;
    return &fake_dev_storage;
}

llama_model * load_on(ggml_backend_dev_t dev, const char * path) {
    llama_model_params mp = llama_model_default_params();
    ggml_backend_dev_t devices[] = { dev, nullptr };
    mp.devices = devices;
    mp.n_gpu_layers = 999;
    mp.load_mode = LLAMA_LOAD_MODE_NONE;
    return llama_model_load_from_file(path, mp);
}

void log_cb(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) {
        rs::record_log_error(text);
        fputs(text, stderr);
    }
}

int run_guard(const char * model_path, ggml_backend_dev_t fake) {
    auto ms = std::make_shared<rs::ModelState>();
    ms->model = load_on(fake, model_path);
    if (!ms->model) {
        fprintf(stderr, "could not load %s\n", model_path);
        return 2;
    }
    const auto devs = rs::kv_cache_devices(*ms);
    check(devs.size() == 1 && devs[0] == fake, "kv cache devices = FakeGPU");

    const ggml_type types[] = { GGML_TYPE_F16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_PLANAR3, GGML_TYPE_ISO3,
                                GGML_TYPE_PLANAR4, GGML_TYPE_ISO4 };
    for (ggml_type t : types) {
        const std::string name = ggml_type_name(t);
        rs::KvOpsQuery q;
        q.type_k = t;
        q.type_v = t;
        const auto on_fake = rs::kv_unsupported_op(fake, q);
        const auto on_cpu = rs::kv_unsupported_op(cpu_dev(), q);
        check(!on_cpu.has_value(), "query type=" + name + " device=CPU runs");
        if (is_rotorquant(t)) {
            check(on_fake.has_value() && on_fake->op == "SET_ROWS" && on_fake->type == name && on_fake->device == "FakeGPU",
                  "query type=" + name + " device=FakeGPU missing=" + (on_fake ? on_fake->op : std::string("none")));
        } else {
            check(!on_fake.has_value(), "query type=" + name + " device=FakeGPU runs" + (on_fake ? " (missing " + on_fake->op + ")" : ""));
        }

        rs::ContextParams p;
        p.n_ctx = 512;
        p.type_k = t;
        p.type_v = t;
        p.flash_attn = LLAMA_FLASH_ATTN_TYPE_ENABLED;
        p.n_threads = p.n_threads_batch = 2;
        std::string code = "none";
        std::string message;
        try {
            auto cs = rs::create_context(ms, p);
            // one decode step on FakeGPU: the refusals before left nothing behind
            llama_token tok = 1;
            llama_batch b = llama_batch_get_one(&tok, 1);
            const int32_t rc = llama_decode(cs->ctx, b);
            check(rc == 0, "decode type=" + name + " rc=" + std::to_string(rc));
        } catch (const rs::Error & e) {
            code = e.code;
            message = e.what();
        }
        if (is_rotorquant(t)) {
            check(code == "KV_TYPE_UNSUPPORTED" && message.find("FakeGPU") != std::string::npos &&
                      message.find("SET_ROWS") != std::string::npos && message.find(name) != std::string::npos,
                  "create type=" + name + " code=" + code + " message=" + message);
        } else {
            check(code == "none", "create type=" + name + " code=" + code + (message.empty() ? "" : " message=" + message));
        }
    }
    // after the refusals, in the same process: an f16 context is created and decodes
    {
        rs::ContextParams p;
        p.n_ctx = 512;
        p.n_threads = p.n_threads_batch = 2;
        p.flash_attn = LLAMA_FLASH_ATTN_TYPE_ENABLED;
        int32_t rc = -1;
        try {
            auto cs = rs::create_context(ms, p);
            llama_token tok = 1;
            rc = llama_decode(cs->ctx, llama_batch_get_one(&tok, 1));
        } catch (const rs::Error & e) {
            fprintf(stderr, "%s: %s\n", e.code.c_str(), e.what());
        }
        check(rc == 0, "after refusals type=f16 decode rc=" + std::to_string(rc));
    }
    printf("GUARD result %s failed %d\n", g_failed == 0 ? "ok" : "fail", g_failed);
    return g_failed == 0 ? 0 : 1;
}

int run_raw(const char * model_path, ggml_backend_dev_t fake) {
    llama_model * model = load_on(fake, model_path);
    if (!model) return 2;
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 512;
    cp.type_k = GGML_TYPE_ISO3;
    cp.type_v = GGML_TYPE_ISO3;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    llama_context * ctx = llama_init_from_model(model, cp);
    printf("RAW survived context=%s\n", ctx ? "created" : "null");
    if (ctx) llama_free(ctx);
    llama_model_free(model);
    return 3;
}

} // namespace

int main(int argc, char ** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL guard|raw\n", argv[0]);
        return 2;
    }
    llama_log_set(log_cb, nullptr);
    rs::backend_init();
    ggml_backend_dev_t fake = make_fake_device();
    const std::string mode = argv[2];
    if (mode == "guard") return run_guard(argv[1], fake);
    if (mode == "raw") return run_raw(argv[1], fake);
    fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
}
