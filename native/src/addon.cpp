// Node-API surface of the RotorScribe engine.
//
// Thread model. Every heavy call (loadModel, createContext, generate) is a Job: one std::thread plus one thread-safe
// function, registered with the addon instance of its environment for as long as the thread runs. Events reach the
// JS listener in order through the thread-safe function; the last one (done or error) is delivered only after the
// thread has been joined and the context/model marks taken by the call have been cleared, so a listener that starts
// the next call at once finds the context free. A call on a context that is still in use, and a memory query that
// would read what a running decode allocates, is refused at once with ENGINE_BUSY. When the environment goes away
// (worker terminated, process exiting normally) its cleanup hook cancels every job and joins its thread; so does a
// listener on process 'exit', which also runs for process.exit() on the main thread (that skips the cleanup hooks),
// and an atexit handler as the last resort. No thread is ever detached. Exceptions stop at the thread's edge and at every callback into JS: a failing job becomes an error
// event, and a throwing JS listener cancels its job, which then ends with an INTERNAL error event (a throw from the
// last event's listener becomes a process warning, since nothing is left to tell).
// Handles are Napi::External values holding shared_ptrs: dispose() drops the JS reference at once, a running job
// keeps the native state alive until it returns, and the garbage collector is only a backstop.
#include "backends.h"
#include "engine.h"

#include "ggml-backend.h"
#include "ggml.h"
#include "llama-ext.h"
#include "mtmd-helper.h"

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

// ggml-quants.h is internal to ggml; this is its one entry the addon uses (patch 0100)
extern "C" void ggml_rq_set_tuning_for_tests(double overload_weight, int scale_mode);

namespace {

using rs::ContextState;
using rs::ModelState;

struct HandleBase {
    virtual ~HandleBase() = default;
};
template <typename T> struct Holder : HandleBase {
    explicit Holder(std::shared_ptr<T> p) : ptr(std::move(p)) {}
    std::shared_ptr<T> ptr;
};

using ModelHolder   = Holder<ModelState>;
using ContextHolder = Holder<ContextState>;

Napi::Error make_error(Napi::Env env, const std::string & code, const std::string & message) {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    return err;
}

Napi::Object error_event(Napi::Env env, const std::string & code, const std::string & message) {
    Napi::Object ev = Napi::Object::New(env);
    ev.Set("type", "error");
    ev.Set("code", code);
    ev.Set("message", message);
    return ev;
}

template <typename T> std::shared_ptr<T> unwrap(const Napi::Value & v, const char * what) {
    if (!v.IsExternal()) throw make_error(v.Env(), "INTERNAL", std::string("expected a ") + what + " handle");
    auto * h = dynamic_cast<Holder<T> *>(v.As<Napi::External<HandleBase>>().Data());
    if (!h || !h->ptr) throw make_error(v.Env(), "INTERNAL", std::string("the ") + what + " was disposed");
    return h->ptr;
}

// Nothing may escape a callback into JS (the listener's exception would otherwise end in std::terminate, or be
// dropped with only a deprecation warning): what cannot be reported to its caller becomes a process warning.
void emit_warning(Napi::Env env, const std::string & message) noexcept {
    try {
        Napi::Object process = env.Global().Get("process").As<Napi::Object>();
        Napi::Value fn = process.Get("emitWarning");
        if (fn.IsFunction()) {
            fn.As<Napi::Function>().Call(process, { Napi::String::New(env, message), Napi::String::New(env, "RotorScribeWarning") });
        }
    } catch (...) {
    }
}

std::string thrown_message(const Napi::Error & e) {
    try {
        std::string m = e.Message();
        if (!m.empty()) return m;
    } catch (...) {
    }
    return "a value that is not an Error was thrown";
}

// ---- jobs --------------------------------------------------------------------------------------------------------

using EventBuilder = std::function<Napi::Value(Napi::Env)>;

class Addon;

class Job : public std::enable_shared_from_this<Job> {
  public:
    Job(Addon & addon, const char * what) : addon_(addon), what_(what) {}
    Job(const Job &) = delete;
    Job & operator=(const Job &) = delete;
    ~Job() {
        // backstop: a job is always joined by Addon::finish or Addon::shutdown before its last reference goes
        if (thread_.joinable()) {
            if (thread_.get_id() == std::this_thread::get_id()) thread_.detach();
            else thread_.join();
        }
    }

    // worker thread: a non-final event (progress, piece)
    void emit(EventBuilder build) noexcept { post(std::move(build), false); }
    // any thread: asks the work to stop at its next check
    void request_cancel() noexcept {
        cancel_requested_.store(true);
        if (cancel_) cancel_();
    }
    const std::atomic<bool> * cancel_flag() const { return &cancel_requested_; }

  private:
    friend class Addon;
    struct Delivery {
        std::shared_ptr<Job> job;
        EventBuilder         build;
        bool                 final;
    };

    void post(EventBuilder build, bool final) noexcept {
        Delivery * d = nullptr;
        try {
            d = new Delivery{ shared_from_this(), std::move(build), final };
        } catch (...) {
            return;
        }
        // napi_closing once the environment is going away: its cleanup hook joins this thread instead
        if (tsfn_.NonBlockingCall(d, &Job::deliver) != napi_ok) delete d;
    }

    static void deliver(Napi::Env env, Napi::Function cb, Delivery * raw) noexcept;

    Addon &                  addon_;
    const char *             what_;
    uint64_t                 id_ = 0;
    Napi::ThreadSafeFunction tsfn_;
    std::thread              thread_;
    std::function<void()>    cancel_;  // set before the thread starts, then only read
    std::function<void()>    release_; // JS thread: clears the busy marks this call took
    std::atomic<bool>        cancel_requested_{ false };
    bool                     listener_failed_ = false; // JS thread
    std::string              listener_error_;          // JS thread
};

class Addon {
  public:
    explicit Addon(Napi::Env env);

    // Starts `work` (EventBuilder(Job &), returning the final event) on its own thread. `release` runs on the JS
    // thread right before the final event is delivered, or at once if the job cannot be started.
    template <typename Work>
    void start(Napi::Env env, const Napi::Value & on_event, const char * what, std::function<void()> cancel,
               std::function<void()> release, Work work) {
        struct Undo {
            std::function<void()> * fn;
            ~Undo() { if (fn && *fn) (*fn)(); }
        } undo{ &release };
        if (!on_event.IsFunction()) throw make_error(env, "INTERNAL", "the last argument must be an event listener");
        auto job = std::make_shared<Job>(*this, what);
        job->cancel_ = std::move(cancel);
        job->tsfn_ = Napi::ThreadSafeFunction::New(env, on_event.As<Napi::Function>(), std::string("rotorscribe-") + what, 0, 1);
        std::lock_guard<std::mutex> lock(mu_);
        if (closing_) {
            job->tsfn_.Release();
            throw make_error(env, "ENGINE_CRASHED", "the engine is shutting down");
        }
        job->id_ = next_id_++;
        try {
            job->thread_ = std::thread([job, work = std::move(work)]() mutable noexcept { run(*job, work); });
        } catch (const std::exception & e) {
            job->tsfn_.Release();
            throw make_error(env, "INTERNAL", std::string("no thread for ") + what + ": " + e.what());
        }
        job->release_ = std::move(release);
        undo.fn = nullptr;
        jobs_.emplace(job->id_, std::move(job));
    }

    // JS thread, before the final event: the thread has posted it and is returning; join it and free the marks.
    void finish(Job & job) noexcept {
        std::shared_ptr<Job> keep;
        {
            std::lock_guard<std::mutex> lock(mu_);
            auto it = jobs_.find(job.id_);
            if (it != jobs_.end()) {
                keep = it->second;
                jobs_.erase(it);
            }
        }
        try {
            if (keep && keep->thread_.joinable()) keep->thread_.join();
        } catch (...) {
        }
        if (job.release_) {
            auto release = std::move(job.release_);
            job.release_ = nullptr;
            try {
                release();
            } catch (...) {
            }
        }
    }

    // Environment cleanup or process exit: cancel every running job and join its thread. New jobs are refused.
    void shutdown() noexcept {
        std::map<uint64_t, std::shared_ptr<Job>> jobs;
        {
            std::lock_guard<std::mutex> lock(mu_);
            closing_ = true;
            jobs.swap(jobs_);
        }
        for (auto & [id, job] : jobs) job->request_cancel();
        for (auto & [id, job] : jobs) {
            try {
                if (job->thread_.joinable() && job->thread_.get_id() != std::this_thread::get_id()) job->thread_.join();
            } catch (...) {
            }
        }
    }

    size_t running() {
        std::lock_guard<std::mutex> lock(mu_);
        return jobs_.size();
    }

  private:
    template <typename Work> static void run(Job & job, Work & work) noexcept {
        auto fail = [](std::string code, std::string message) -> EventBuilder {
            return [code = std::move(code), message = std::move(message)](Napi::Env env) -> Napi::Value {
                return error_event(env, code, message);
            };
        };
        EventBuilder last;
        try {
            try {
                last = work(job);
            } catch (const rs::Error & e) {
                last = fail(e.code, e.what());
            } catch (const std::bad_alloc &) {
                last = fail("OUT_OF_MEMORY", "out of memory");
            } catch (const std::exception & e) {
                last = fail("INTERNAL", e.what());
            } catch (...) {
                last = fail("INTERNAL", "the engine failed with an unknown exception");
            }
        } catch (...) {
            last = nullptr; // building the error failed too (out of memory): deliver() reports that
        }
        job.post(std::move(last), true);
        job.tsfn_.Release();
    }

    std::mutex                               mu_;
    std::map<uint64_t, std::shared_ptr<Job>> jobs_;
    uint64_t                                 next_id_ = 1;
    bool                                     closing_ = false;
};

void Job::deliver(Napi::Env env, Napi::Function cb, Delivery * raw) noexcept {
    std::unique_ptr<Delivery> d(raw);
    if (env == nullptr) return; // the thread-safe function is being torn down
    Job & job = *d->job;
    try {
        if (d->final) job.addon_.finish(job);
        else if (job.listener_failed_) return; // the listener threw earlier: the job is stopping
        Napi::Value ev;
        try {
            if (d->final && job.listener_failed_) {
                ev = error_event(env, "INTERNAL", std::string("the ") + job.what_ + " event listener threw: " + job.listener_error_);
            } else if (d->build) {
                ev = d->build(env);
            } else {
                ev = error_event(env, "OUT_OF_MEMORY", "out of memory while reporting the result");
            }
        } catch (const Napi::Error & e) {
            ev = error_event(env, "INTERNAL", "the result could not be converted: " + thrown_message(e));
        }
        if (cb.IsEmpty()) return;
        try {
            cb.Call({ ev });
        } catch (const Napi::Error & e) {
            if (d->final) {
                emit_warning(env, std::string("the ") + job.what_ + " result listener threw: " + thrown_message(e));
            } else {
                job.listener_failed_ = true;
                job.listener_error_ = thrown_message(e);
                job.request_cancel();
            }
        }
    } catch (...) {
        emit_warning(env, std::string("an event of ") + job.what_ + " could not be delivered");
    }
}

// Every instance of the addon (one per environment: main thread, each worker) until its environment is cleaned up.
std::mutex        g_instances_mutex;
std::set<Addon *> g_instances;
std::atomic<bool> g_exiting{ false };

// Last resort for an exit() that neither ran the cleanup hooks nor emitted process 'exit' (a native exit() call):
// by now statics created after this handler was registered are gone, but a job still running would touch them anyway.
void shutdown_at_exit() {
    g_exiting.store(true);
    std::lock_guard<std::mutex> lock(g_instances_mutex);
    for (Addon * a : g_instances) a->shutdown();
}

void cleanup_hook(void * arg);

Addon::Addon(Napi::Env env) {
    static std::once_flag once;
    std::call_once(once, [] { std::atexit(shutdown_at_exit); });
    {
        std::lock_guard<std::mutex> lock(g_instances_mutex);
        g_instances.insert(this);
    }
    napi_add_env_cleanup_hook(env, cleanup_hook, this);
}

Addon & addon_of(const Napi::CallbackInfo & info) { return *static_cast<Addon *>(info.Data()); }

// ---- logging -----------------------------------------------------------------------------------------------------

// ggml and mtmd have one log callback per process; it forwards each line to the logger of every addon instance
// that set one. The sinks live under one mutex; an instance's sink is detached when its environment is cleaned up.
class LogRouter {
  public:
    static void set(Addon * owner, Napi::Env env, Napi::Function fn, int min_level) {
        std::lock_guard<std::mutex> lock(mutex_);
        drop_locked(owner);
        Sink s{ Napi::ThreadSafeFunction::New(env, fn, "rotorscribe-log", 0, 1), min_level };
        s.tsfn.Unref(env); // logging alone must not keep the process alive
        sinks_.emplace(owner, std::move(s));
    }
    static void clear(Addon * owner) {
        std::lock_guard<std::mutex> lock(mutex_);
        drop_locked(owner);
    }
    static void dispatch(ggml_log_level level, const char * text) {
        if (!text || level == GGML_LOG_LEVEL_CONT || g_exiting.load()) return;
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto & [owner, sink] : sinks_) {
            if ((int) level < sink.min_level) continue;
            LogLine * line = nullptr;
            try {
                line = new LogLine{ (int) level, text };
            } catch (...) {
                return;
            }
            if (sink.tsfn.NonBlockingCall(line, &LogRouter::deliver) != napi_ok) delete line;
        }
    }

  private:
    struct Sink {
        Napi::ThreadSafeFunction tsfn;
        int                      min_level;
    };
    struct LogLine {
        int         level;
        std::string text;
    };
    static void drop_locked(Addon * owner) {
        auto it = sinks_.find(owner);
        if (it == sinks_.end()) return;
        it->second.tsfn.Release();
        sinks_.erase(it);
    }
    static void deliver(Napi::Env env, Napi::Function cb, LogLine * raw) noexcept {
        std::unique_ptr<LogLine> l(raw);
        if (env == nullptr || cb.IsEmpty()) return;
        try {
            static const char * names[] = { "none", "debug", "info", "warn", "error", "cont" };
            cb.Call({ Napi::String::New(env, l->level >= 0 && l->level <= 5 ? names[l->level] : "info"),
                      Napi::String::New(env, l->text) });
        } catch (const Napi::Error & e) {
            emit_warning(env, "the native logger threw: " + thrown_message(e));
        } catch (...) {
        }
    }
    static inline std::mutex                mutex_;
    static inline std::map<Addon *, Sink>   sinks_;
};

void log_callback(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) rs::record_log_error(text);
    LogRouter::dispatch(level, text);
}

void cleanup_hook(void * arg) {
    auto * addon = static_cast<Addon *>(arg);
    LogRouter::clear(addon);
    addon->shutdown();
    {
        std::lock_guard<std::mutex> lock(g_instances_mutex);
        g_instances.erase(addon);
    }
    delete addon;
}

Napi::Value SetLogger(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Addon * owner = &addon_of(info);
    if (info.Length() > 0 && info[0].IsFunction()) {
        static const std::map<std::string, int> levels = { { "debug", GGML_LOG_LEVEL_DEBUG }, { "info", GGML_LOG_LEVEL_INFO },
                                                            { "warn", GGML_LOG_LEVEL_WARN }, { "error", GGML_LOG_LEVEL_ERROR } };
        const std::string lvl = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "warn";
        auto it = levels.find(lvl);
        LogRouter::set(owner, env, info[0].As<Napi::Function>(), it == levels.end() ? GGML_LOG_LEVEL_WARN : it->second);
    } else {
        LogRouter::clear(owner);
    }
    return env.Undefined();
}

// ---- options -----------------------------------------------------------------------------------------------------

int32_t opt_int(const Napi::Object & o, const char * key, int32_t def) {
    Napi::Value v = o.Get(key);
    return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : def;
}
bool opt_bool(const Napi::Object & o, const char * key, bool def) {
    Napi::Value v = o.Get(key);
    return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
}
std::string opt_str(const Napi::Object & o, const char * key) {
    Napi::Value v = o.Get(key);
    return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

Napi::Object object_arg(const Napi::CallbackInfo & info, size_t i, const char * what) {
    if (info.Length() <= i || !info[i].IsObject()) throw make_error(info.Env(), "INTERNAL", std::string("expected ") + what);
    return info[i].As<Napi::Object>();
}

// Marks a context busy for one call; the message of a refused call names what is running.
void claim(Napi::Env env, ContextState & cs, const char * what) {
    const char * expected = nullptr;
    if (!cs.busy_with.compare_exchange_strong(expected, what)) {
        throw make_error(env, "ENGINE_BUSY", std::string("this context is running ") + expected +
                                                 "; wait for its result (or cancel it) before starting " + what);
    }
}

// ---- devices and types -------------------------------------------------------------------------------------------

const char * dev_type_name(enum ggml_backend_dev_type t) {
    switch (t) {
        case GGML_BACKEND_DEVICE_TYPE_CPU: return "cpu";
        case GGML_BACKEND_DEVICE_TYPE_GPU: return "gpu";
        case GGML_BACKEND_DEVICE_TYPE_IGPU: return "igpu";
        case GGML_BACKEND_DEVICE_TYPE_ACCEL: return "accel";
        default: return "other";
    }
}

Napi::Value ListDevices(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    rs::backend_init();
    Napi::Array out = Napi::Array::New(env);
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        size_t free = 0, total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        Napi::Object d = Napi::Object::New(env);
        d.Set("name", ggml_backend_dev_name(dev));
        d.Set("description", ggml_backend_dev_description(dev));
        d.Set("type", dev_type_name(ggml_backend_dev_type(dev)));
        d.Set("backend", ggml_backend_reg_name(ggml_backend_dev_backend_reg(dev)));
        d.Set("memoryFree", Napi::Number::New(env, (double) free));
        d.Set("memoryTotal", Napi::Number::New(env, (double) total));
        out.Set((uint32_t) i, d);
    }
    return out;
}

ggml_backend_dev_t device_arg(Napi::Env env, const std::string & name) {
    rs::backend_init();
    ggml_backend_dev_t dev = ggml_backend_dev_by_name(name.c_str());
    if (!dev) throw make_error(env, "INTERNAL", "no ggml device named '" + name + "'");
    return dev;
}

// Whether a KV cache of these types runs on a device: null, or the first op it lacks ({ device, op, type, role,
// message }). Shape and flash-attention mode default to Voxtral-Mini's decoder with flash attention on, so the advisor
// can ask before any model is loaded. Cheap: a few tensor headers in a no_alloc context, nothing allocated.
Napi::Value KvSupport(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object o = object_arg(info, 0, "KV support query");
    ggml_backend_dev_t dev = device_arg(env, opt_str(o, "device"));
    rs::KvOpsQuery q;
    q.type_k = opt_int(o, "typeK", GGML_TYPE_F16);
    q.type_v = opt_int(o, "typeV", q.type_k);
    q.flash_attn = opt_int(o, "flashAttn", LLAMA_FLASH_ATTN_TYPE_ENABLED);
    q.n_ubatch = (uint32_t) std::max(1, opt_int(o, "nUbatch", 512));
    q.n_stream = (uint32_t) std::max(1, opt_int(o, "nStream", 1));
    q.shape.head_dim_k = opt_int(o, "headDimK", (int32_t) q.shape.head_dim_k);
    q.shape.head_dim_v = opt_int(o, "headDimV", (int32_t) q.shape.head_dim_v);
    q.shape.n_head = opt_int(o, "nHead", (int32_t) q.shape.n_head);
    q.shape.n_head_kv = opt_int(o, "nHeadKv", (int32_t) q.shape.n_head_kv);
    const auto bad = rs::kv_unsupported_op(dev, q);
    if (!bad) return env.Null();
    Napi::Object r = Napi::Object::New(env);
    r.Set("device", bad->device);
    r.Set("op", bad->op);
    r.Set("type", bad->type);
    r.Set("role", bad->role);
    r.Set("message", bad->message());
    return r;
}

// Tests only (see rs::set_kv_support_override): [{ device, type }] or null to clear.
Napi::Value SetKvSupportOverrideForTests(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::vector<std::pair<std::string, int32_t>> rules;
    if (info.Length() > 0 && info[0].IsArray()) {
        Napi::Array a = info[0].As<Napi::Array>();
        for (uint32_t i = 0; i < a.Length(); i++) {
            Napi::Value e = a.Get(i);
            if (!e.IsObject()) throw make_error(env, "INTERNAL", "every override must be an object { device, type }");
            Napi::Object r = e.As<Napi::Object>();
            const std::string device = opt_str(r, "device");
            const int32_t type = opt_int(r, "type", -1);
            device_arg(env, device);
            if (type < 0 || type >= GGML_TYPE_COUNT) throw make_error(env, "INTERNAL", "unknown ggml type " + std::to_string(type));
            rules.emplace_back(device, type);
        }
    }
    rs::set_kv_support_override(std::move(rules));
    return env.Undefined();
}

// Whether this build knows a ggml type id (RotorQuant types exist only when their patches are applied).
Napi::Value TypeInfo(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const int32_t id = info[0].As<Napi::Number>().Int32Value();
    if (id < 0 || id >= GGML_TYPE_COUNT) return env.Null();
    const auto t = static_cast<ggml_type>(id);
    const int64_t blck = ggml_blck_size(t);
    const size_t size = ggml_type_size(t);
    const char * name = ggml_type_name(t);
    if (blck <= 0 || size == 0 || !name) return env.Null();
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", id);
    o.Set("name", name);
    o.Set("blockValues", Napi::Number::New(env, (double) blck));
    o.Set("blockBytes", Napi::Number::New(env, (double) size));
    o.Set("quantized", ggml_is_quantized(t));
    return o;
}

// Which backend libraries this process loaded and why the others were not (rs::load_backends): doctor and settings.
Napi::Value Backends(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    rs::backend_init();
    const rs::BackendReport & r = rs::load_backends();
    Napi::Object o = Napi::Object::New(env);
    o.Set("dynamic", r.dynamic);
    o.Set("dir", r.dir);
    o.Set("cpuVariant", r.cpu_variant);
    o.Set("filter", r.gpu_filter);
    Napi::Array feats = Napi::Array::New(env, r.cpu_features.size());
    for (size_t i = 0; i < r.cpu_features.size(); i++) feats.Set((uint32_t) i, r.cpu_features[i]);
    o.Set("cpuFeatures", feats);
    Napi::Array list = Napi::Array::New(env, r.candidates.size());
    for (size_t i = 0; i < r.candidates.size(); i++) {
        const rs::BackendCandidate & c = r.candidates[i];
        Napi::Object b = Napi::Object::New(env);
        b.Set("name", c.name);
        b.Set("file", c.file);
        b.Set("kind", c.kind);
        b.Set("score", c.score);
        b.Set("status", c.status);
        b.Set("detail", c.detail);
        b.Set("devices", c.devices);
        list.Set((uint32_t) i, b);
    }
    o.Set("candidates", list);
    return o;
}

Napi::Value SystemInfo(const Napi::CallbackInfo & info) {
    return Napi::String::New(info.Env(), llama_print_system_info());
}

// ---- model -------------------------------------------------------------------------------------------------------

Napi::Object model_info(Napi::Env env, const ModelState & ms) {
    Napi::Object o = Napi::Object::New(env);
    const llama_vocab * vocab = llama_model_get_vocab(ms.model);
    char desc[256];
    llama_model_desc(ms.model, desc, sizeof(desc));
    o.Set("description", desc);
    o.Set("nEmbd", llama_model_n_embd(ms.model));
    o.Set("nLayer", llama_model_n_layer(ms.model));
    o.Set("nHead", llama_model_n_head(ms.model));
    o.Set("nHeadKv", llama_model_n_head_kv(ms.model));
    o.Set("nCtxTrain", llama_model_n_ctx_train(ms.model));
    o.Set("nVocab", llama_vocab_n_tokens(vocab));
    o.Set("nParams", Napi::Number::New(env, (double) llama_model_n_params(ms.model)));
    o.Set("modelBytes", Napi::Number::New(env, (double) llama_model_size(ms.model)));
    o.Set("audioSampleRate", mtmd_get_audio_sample_rate(ms.mtmd));
    o.Set("audioTokensPer30s", ms.audio_tokens_per_30s);
    o.Set("encoderBf16", ms.encoder_bf16);
    o.Set("mediaMarker", mtmd_default_marker());
    Napi::Object t = Napi::Object::New(env);
    t.Set("bos", ms.tokens.bos);
    t.Set("eos", ms.tokens.eos);
    t.Set("inst", ms.tokens.inst);
    t.Set("instEnd", ms.tokens.inst_end);
    t.Set("beginAudio", ms.tokens.begin_audio);
    t.Set("transcribe", ms.tokens.transcribe);
    o.Set("controlTokens", t);
    return o;
}

Napi::Value LoadModel(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object o = object_arg(info, 0, "load options");
    rs::LoadParams p;
    p.model_path = opt_str(o, "modelPath");
    p.mmproj_path = opt_str(o, "mmprojPath");
    p.n_gpu_layers = opt_int(o, "nGpuLayers", 0);
    p.use_mmap = opt_bool(o, "useMmap", true);
    p.mmproj_gpu = opt_bool(o, "mmprojGpu", true);
    p.n_threads = opt_int(o, "threads", 4);
    p.audio_avgpool = opt_int(o, "audioAvgpool", 0);
    p.flash_attn = opt_int(o, "flashAttn", -1);
    p.warmup = opt_bool(o, "warmup", true);
    p.encoder_bf16 = opt_int(o, "encoderBf16", -1);
    addon_of(info).start(env, info[1], "loadModel", nullptr, nullptr, [p](Job & job) -> EventBuilder {
        auto ms = rs::load_model(
            p,
            [&job](double v) {
                job.emit([v](Napi::Env env) -> Napi::Value {
                    Napi::Object ev = Napi::Object::New(env);
                    ev.Set("type", "progress");
                    ev.Set("progress", v);
                    return ev;
                });
            },
            job.cancel_flag());
        return [ms](Napi::Env env) -> Napi::Value {
            Napi::Object ev = Napi::Object::New(env);
            ev.Set("type", "done");
            ev.Set("handle", Napi::External<HandleBase>::New(env, new ModelHolder(ms), [](Napi::Env, HandleBase * h) { delete h; }));
            ev.Set("info", model_info(env, *ms));
            return ev;
        };
    });
    return env.Undefined();
}

Napi::Value DisposeHandle(const Napi::CallbackInfo & info) {
    if (info[0].IsExternal()) {
        HandleBase * base = info[0].As<Napi::External<HandleBase>>().Data();
        if (auto * m = dynamic_cast<ModelHolder *>(base)) m->ptr.reset();
        if (auto * c = dynamic_cast<ContextHolder *>(base); c && c->ptr) {
            c->ptr->cancel.store(true);
            c->ptr.reset();
        }
    }
    return info.Env().Undefined();
}

Napi::Value Tokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ms = unwrap<ModelState>(info[0], "model");
    const auto toks = rs::tokenize(*ms, info[1].As<Napi::String>().Utf8Value(), info[2].ToBoolean(), info[3].ToBoolean());
    Napi::Int32Array out = Napi::Int32Array::New(env, toks.size());
    std::copy(toks.begin(), toks.end(), out.Data());
    return out;
}

Napi::Value Detokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ms = unwrap<ModelState>(info[0], "model");
    Napi::Int32Array toks = info[1].As<Napi::Int32Array>();
    const bool special = info[2].ToBoolean();
    std::string s;
    for (size_t i = 0; i < toks.ElementLength(); i++) s += rs::token_piece(*ms, toks[i], special);
    return Napi::String::New(env, s);
}

// ---- context -----------------------------------------------------------------------------------------------------

Napi::Value CreateContext(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ms = unwrap<ModelState>(info[0], "model");
    Napi::Object o = object_arg(info, 1, "context options");
    rs::ContextParams p;
    p.n_ctx = (uint32_t) opt_int(o, "nCtx", 4096);
    p.n_batch = (uint32_t) opt_int(o, "nBatch", 512);
    p.n_ubatch = (uint32_t) opt_int(o, "nUbatch", (int32_t) p.n_batch);
    p.n_seq_max = (uint32_t) opt_int(o, "nSeqMax", 1);
    p.type_k = opt_int(o, "typeK", GGML_TYPE_F16);
    p.type_v = opt_int(o, "typeV", GGML_TYPE_F16);
    p.flash_attn = opt_int(o, "flashAttn", -1);
    p.n_threads = opt_int(o, "threads", 4);
    p.n_threads_batch = opt_int(o, "threadsBatch", p.n_threads);
    p.kv_unified = opt_bool(o, "kvUnified", false);
    // llama_init_from_model cannot be interrupted: a shutdown waits for it
    addon_of(info).start(env, info[2], "createContext", nullptr, nullptr, [ms, p](Job &) -> EventBuilder {
        auto cs = rs::create_context(ms, p);
        return [cs](Napi::Env env) -> Napi::Value {
            Napi::Object ev = Napi::Object::New(env);
            ev.Set("type", "done");
            ev.Set("handle", Napi::External<HandleBase>::New(env, new ContextHolder(cs), [](Napi::Env, HandleBase * h) { delete h; }));
            Napi::Object i = Napi::Object::New(env);
            i.Set("nCtx", llama_n_ctx(cs->ctx));
            i.Set("nSeqMax", llama_n_seq_max(cs->ctx));
            i.Set("nBatch", llama_n_batch(cs->ctx));
            i.Set("nUbatch", llama_n_ubatch(cs->ctx));
            ev.Set("info", i);
            return ev;
        };
    });
    return env.Undefined();
}

std::vector<rs::SeqRequest> parse_requests(Napi::Env env, const Napi::Value & value) {
    if (!value.IsArray()) throw make_error(env, "INTERNAL", "expected an array of requests");
    Napi::Array reqs = value.As<Napi::Array>();
    std::vector<rs::SeqRequest> requests(reqs.Length());
    for (uint32_t i = 0; i < reqs.Length(); i++) {
        Napi::Value rv = reqs.Get(i);
        if (!rv.IsObject()) throw make_error(env, "INTERNAL", "every request must be an object");
        Napi::Object r = rv.As<Napi::Object>();
        requests[i].prompt = opt_str(r, "prompt");
        Napi::Value pcm = r.Get("pcm");
        if (pcm.IsTypedArray() && pcm.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
            Napi::Float32Array a = pcm.As<Napi::Float32Array>();
            requests[i].pcm.assign(a.Data(), a.Data() + a.ElementLength());
        }
        Napi::Value penalty = r.Get("repetitionPenalty");
        if (penalty.IsNumber()) requests[i].repetition_penalty = penalty.As<Napi::Number>().FloatValue();
        requests[i].max_tokens = opt_int(r, "maxTokens", -1);
        Napi::Value forced = r.Get("forced");
        if (forced.IsTypedArray() && forced.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
            Napi::Int32Array a = forced.As<Napi::Int32Array>();
            requests[i].forced.assign(a.Data(), a.Data() + a.ElementLength());
        }
        Napi::Value cont = r.Get("continueAfterForced");
        if (cont.IsBoolean()) requests[i].continue_after_forced = cont.As<Napi::Boolean>().Value();
    }
    return requests;
}

Napi::Object sequence_object(Napi::Env env, const rs::SeqResult & s, int32_t n_vocab) {
    Napi::Object so = Napi::Object::New(env);
    Napi::Int32Array toks = Napi::Int32Array::New(env, s.tokens.size());
    std::copy(s.tokens.begin(), s.tokens.end(), toks.Data());
    so.Set("tokens", toks);
    so.Set("text", s.text);
    so.Set("stop", s.stop);
    so.Set("nPromptTokens", s.n_prompt_tokens);
    so.Set("nAudioTokens", s.n_audio_tokens);
    if (s.n_logit_rows > 0) {
        Napi::Float32Array lg = Napi::Float32Array::New(env, s.logits.size());
        std::copy(s.logits.begin(), s.logits.end(), lg.Data());
        so.Set("logits", lg);
        so.Set("nLogitRows", s.n_logit_rows);
        so.Set("nVocab", n_vocab);
    }
    return so;
}

// generate(context, requests, options, onEvent). With options.open the context takes more windows while it decodes
// (submit), each result comes as a 'sequence' event when its window ends, and the call ends once closeInput was
// called and every window is done; otherwise every request gets a slot at once and 'done' carries the results.
Napi::Value Generate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto cs = unwrap<ContextState>(info[0], "context");
    if (info.Length() < 2) throw make_error(env, "INTERNAL", "expected an array of requests");
    std::vector<rs::SeqRequest> requests = parse_requests(env, info[1]);
    Napi::Object o = object_arg(info, 2, "generate options");
    rs::GenerateParams gp;
    gp.max_tokens = opt_int(o, "maxTokens", 256);
    gp.capture_logits = opt_bool(o, "captureLogits", false);
    const bool stream = opt_bool(o, "stream", true);
    const bool open = opt_bool(o, "open", false);
    std::shared_ptr<rs::RequestQueue> queue;
    if (open) {
        queue = std::make_shared<rs::RequestQueue>();
        if (!requests.empty()) queue->push(std::move(requests));
    }

    // the context (and the model's encoder) stay marked from here until the result is delivered
    auto release = [cs] {
        cs->model->active_decodes.fetch_sub(1);
        cs->busy_with.store(nullptr);
        cs->queue.reset();
    };
    auto work = [cs, requests = std::move(requests), gp, stream, queue](Job & job) mutable -> EventBuilder {
        rs::PieceFn on_piece;
        if (stream) {
            on_piece = [&job](int32_t seq, llama_token tok, const std::string & text) {
                job.emit([seq, tok, text](Napi::Env env) -> Napi::Value {
                    Napi::Object ev = Napi::Object::New(env);
                    ev.Set("type", "piece");
                    ev.Set("seq", seq);
                    ev.Set("token", tok);
                    ev.Set("text", text);
                    return ev;
                });
            };
        }
        const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(cs->model->model));
        std::shared_ptr<rs::GenerateResult> res;
        if (queue) {
            auto on_done = [&job, n_vocab](int32_t seq, rs::SeqResult && r) {
                auto result = std::make_shared<rs::SeqResult>(std::move(r));
                job.emit([seq, result, n_vocab](Napi::Env env) -> Napi::Value {
                    Napi::Object ev = Napi::Object::New(env);
                    ev.Set("type", "sequence");
                    ev.Set("seq", seq);
                    ev.Set("sequence", sequence_object(env, *result, n_vocab));
                    return ev;
                });
            };
            res = std::make_shared<rs::GenerateResult>(rs::generate_stream(*cs, *queue, gp, on_piece, on_done));
        } else {
            res = std::make_shared<rs::GenerateResult>(rs::generate(*cs, std::move(requests), gp, on_piece));
        }
        return [res, n_vocab](Napi::Env env) -> Napi::Value {
            Napi::Object ev = Napi::Object::New(env);
            ev.Set("type", "done");
            Napi::Object r = Napi::Object::New(env);
            Napi::Array seqs = Napi::Array::New(env, res->seqs.size());
            for (size_t i = 0; i < res->seqs.size(); i++) seqs.Set((uint32_t) i, sequence_object(env, res->seqs[i], n_vocab));
            r.Set("sequences", seqs);
            r.Set("encodeMs", res->encode_ms);
            r.Set("prefillMs", res->prefill_ms);
            r.Set("audioPrefillMs", res->audio_prefill_ms);
            r.Set("decodeMs", res->decode_ms);
            r.Set("tokenizeMs", res->tokenize_ms);
            r.Set("tokenizeWaitMs", res->tokenize_wait_ms);
            r.Set("idleMs", res->idle_ms);
            r.Set("nWindows", res->n_windows);
            r.Set("nPrefillTokens", res->n_prefill_tokens);
            r.Set("nDecodeSteps", res->n_decode_steps);
            r.Set("nDecodedTokens", res->n_decoded_tokens);
            r.Set("nForcedTokens", res->n_forced_tokens);
            r.Set("cancelled", res->cancelled);
            ev.Set("result", r);
            return ev;
        };
    };
    claim(env, *cs, "generate");
    cs->cancel.store(false);
    cs->model->active_decodes.fetch_add(1);
    cs->queue = queue;
    addon_of(info).start(env, info[3], "generate", [cs] { cs->cancel.store(true); }, release, std::move(work));
    return env.Undefined();
}

// submit(context, requests): more windows for the open generate of this context; returns the first one's index.
Napi::Value Submit(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto cs = unwrap<ContextState>(info[0], "context");
    if (!cs->queue || cs->queue->closed()) throw make_error(env, "INTERNAL", "the context has no open generate to take windows");
    if (info.Length() < 2) throw make_error(env, "INTERNAL", "expected an array of requests");
    return Napi::Number::New(env, cs->queue->push(parse_requests(env, info[1])));
}

// closeInput(context): no more windows; the open generate ends once those given are done.
Napi::Value CloseInput(const Napi::CallbackInfo & info) {
    auto cs = unwrap<ContextState>(info[0], "context");
    if (cs->queue) cs->queue->close();
    return info.Env().Undefined();
}

Napi::Value Cancel(const Napi::CallbackInfo & info) {
    if (info[0].IsExternal()) {
        auto * h = dynamic_cast<ContextHolder *>(info[0].As<Napi::External<HandleBase>>().Data());
        if (h && h->ptr) h->ptr->cancel.store(true);
    }
    return info.Env().Undefined();
}

Napi::Value ContextMemory(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto cs = unwrap<ContextState>(info[0], "context");
    // jobs start only on this thread, so a context found idle here stays idle while it is read
    if (const char * running = cs->busy_with.load()) {
        throw make_error(env, "ENGINE_BUSY", std::string("the context's memory cannot be read while it is running ") + running +
                                                 "; ask again after its result");
    }
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto & [buft, mb] : llama_get_memory_breakdown(cs->ctx)) {
        Napi::Object e = Napi::Object::New(env);
        e.Set("bufferType", ggml_backend_buft_name(buft));
        ggml_backend_dev_t dev = ggml_backend_buft_get_device(buft);
        e.Set("device", dev ? Napi::String::New(env, ggml_backend_dev_name(dev)) : env.Null());
        e.Set("host", ggml_backend_buft_is_host(buft));
        e.Set("model", Napi::Number::New(env, (double) mb.model));
        e.Set("context", Napi::Number::New(env, (double) mb.context));
        e.Set("compute", Napi::Number::New(env, (double) mb.compute));
        out.Set(i++, e);
    }
    return out;
}

// The audio encoder's own buffers (mtmd allocates them outside llama's accounting; patch 0003).
Napi::Value EncoderMemory(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ms = unwrap<ModelState>(info[0], "model");
    // a decode (re)allocates the encoder's compute buffers while it encodes
    if (const int n = ms->active_decodes.load(); n > 0) {
        throw make_error(env, "ENGINE_BUSY", "the audio encoder's memory cannot be read while " + std::to_string(n) +
                                                 " decode(s) of this model are running; ask again after their results");
    }
    const mtmd_memory_usage mu = mtmd_get_memory_usage(ms->mtmd);
    Napi::Object o = Napi::Object::New(env);
    o.Set("weights", Napi::Number::New(env, (double) mu.weights));
    o.Set("compute", Napi::Number::New(env, (double) mu.compute));
    return o;
}

// process 'exit' (process.exit(), an uncaught exception, the loop running dry): the last moment JS still runs, and
// the last one at which joining is safe. exit() runs atexit handlers only after destroying the static objects that
// llama.cpp and ggml created lazily during the jobs, so shutdown_at_exit() alone would join threads that may touch
// freed statics.
Napi::Value OnProcessExit(const Napi::CallbackInfo & info) {
    addon_of(info).shutdown();
    return info.Env().Undefined();
}

// Synchronous calls: an engine exception becomes a coded JS error instead of escaping through Node-API.
template <Napi::Value (*F)(const Napi::CallbackInfo &)> Napi::Value guarded(const Napi::CallbackInfo & info) {
    try {
        return F(info);
    } catch (const Napi::Error &) {
        throw;
    } catch (const rs::Error & e) {
        throw make_error(info.Env(), e.code, e.what());
    } catch (const std::bad_alloc &) {
        throw make_error(info.Env(), "OUT_OF_MEMORY", "out of memory");
    } catch (const std::exception & e) {
        throw make_error(info.Env(), "INTERNAL", e.what());
    } catch (...) {
        throw make_error(info.Env(), "INTERNAL", "the engine failed with an unknown exception");
    }
}

// Measurements only (bench:kv): the RotorQuant clipping weight and scale for every later quantization. The quantizer
// reads them from every ggml thread without synchronisation, so this is refused while a job of this instance runs;
// jobs of another instance (a worker's) are the caller's business.
Napi::Value SetRotorQuantTuning(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (const size_t n = addon_of(info).running(); n > 0) {
        throw make_error(env, "ENGINE_BUSY", std::to_string(n) + " job(s) are running; change the RotorQuant tuning between jobs");
    }
    Napi::Object o = object_arg(info, 0, "tuning options");
    const double overload = o.Get("overloadWeight").IsNumber() ? o.Get("overloadWeight").As<Napi::Number>().DoubleValue() : -1.0;
    static const std::map<std::string, int> scales = { { "mse", 0 }, { "norm", 1 }, { "unbiased", 2 } };
    const auto it = scales.find(opt_str(o, "scale"));
    ggml_rq_set_tuning_for_tests(overload, it == scales.end() ? -1 : it->second);
    return env.Undefined();
}

// How many jobs of this addon instance are running (their threads not yet joined); for tests and diagnostics.
Napi::Value RunningJobs(const Napi::CallbackInfo & info) {
    return Napi::Number::New(info.Env(), (double) addon_of(info).running());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    // Silent by default: errors are still recorded for messages, nothing reaches stderr unless a logger is set.
    // Setting the process-wide callback again from a second instance is harmless: it is the same function.
    // Set before the backends load, so that a GPU library that does not open is a recorded reason, not stderr noise.
    llama_log_set(log_callback, nullptr);
    mtmd_helper_log_set(log_callback, nullptr);
    rs::backend_init();
    auto * addon = new Addon(env); // owned by its environment's cleanup hook
    auto fn = [&](const char * name, Napi::Value (*f)(const Napi::CallbackInfo &)) {
        exports.Set(name, Napi::Function::New(env, f, name, addon));
    };
    fn("loadModel", guarded<LoadModel>);
    fn("createContext", guarded<CreateContext>);
    fn("generate", guarded<Generate>);
    fn("submit", guarded<Submit>);
    fn("closeInput", guarded<CloseInput>);
    fn("cancel", guarded<Cancel>);
    fn("contextMemory", guarded<ContextMemory>);
    fn("encoderMemory", guarded<EncoderMemory>);
    fn("dispose", guarded<DisposeHandle>);
    fn("tokenize", guarded<Tokenize>);
    fn("detokenize", guarded<Detokenize>);
    fn("listDevices", guarded<ListDevices>);
    fn("typeInfo", guarded<TypeInfo>);
    fn("kvSupport", guarded<KvSupport>);
    fn("setKvSupportOverrideForTests", guarded<SetKvSupportOverrideForTests>);
    fn("systemInfo", guarded<SystemInfo>);
    fn("backends", guarded<Backends>);
    fn("setLogger", guarded<SetLogger>);
    fn("runningJobs", guarded<RunningJobs>);
    fn("setRotorQuantTuning", guarded<SetRotorQuantTuning>);
    Napi::Object process = env.Global().Get("process").As<Napi::Object>();
    process.Get("on").As<Napi::Function>().Call(
        process, { Napi::String::New(env, "exit"), Napi::Function::New(env, guarded<OnProcessExit>, "rotorscribeShutdown", addon) });
    exports.Set("ggmlTypeCount", Napi::Number::New(env, GGML_TYPE_COUNT));
    return exports;
}

} // namespace

NODE_API_MODULE(rotorscribe, Init)
