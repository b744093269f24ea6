// Node-API surface of the RotorScribe engine. Every heavy call runs on its own thread and reports back through one
// thread-safe function per call, so that streamed pieces and the final result arrive in order on the JS thread.
// Handles are Napi::External values holding shared_ptrs: dispose() drops the JS reference at once, a running job
// keeps the native state alive until it returns, and the garbage collector is only a backstop.
#include "engine.h"

#include "ggml-backend.h"
#include "ggml.h"
#include "llama-ext.h"
#include "mtmd-helper.h"

#include <napi.h>

#include <map>
#include <mutex>
#include <thread>
#include <variant>

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

// One call = one thread + one thread-safe function. Events are built on the JS thread by `build`.
using EventBuilder = std::function<Napi::Value(Napi::Env)>;

class Job {
  public:
    Job(Napi::Env env, Napi::Function on_event, const char * name) {
        tsfn_ = Napi::ThreadSafeFunction::New(env, on_event, name, 0, 1);
    }
    void emit(EventBuilder build) {
        auto * payload = new EventBuilder(std::move(build));
        const napi_status st = tsfn_.NonBlockingCall(payload, [](Napi::Env env, Napi::Function cb, EventBuilder * b) {
            try {
                if (env != nullptr && cb != nullptr) cb.Call({ (*b)(env) });
            } catch (const Napi::Error & e) {
                // a throwing JS listener must not take the process down; surface it as an uncaught exception instead
                e.ThrowAsJavaScriptException();
            } catch (...) {
            }
            delete b;
        });
        if (st != napi_ok) delete payload;
    }
    void fail(const std::string & code, const std::string & message) {
        emit([code, message](Napi::Env env) -> Napi::Value { return error_event(env, code, message); });
    }
    void release() { tsfn_.Release(); }

  private:
    Napi::ThreadSafeFunction tsfn_;
};

template <typename Work> void run_job(Napi::Env env, Napi::Function on_event, const char * name, Work work) {
    auto job = std::make_shared<Job>(env, on_event, name);
    std::thread([job, work = std::move(work)]() mutable {
        try {
            work(*job);
        } catch (const rs::Error & e) {
            job->fail(e.code, e.what());
        } catch (const std::bad_alloc &) {
            job->fail("OUT_OF_MEMORY", "out of memory");
        } catch (const std::exception & e) {
            job->fail("INTERNAL", e.what());
        }
        job->release();
    }).detach();
}

// ---- options ---------------------------------------------------------------------------------------------------

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

// ---- logging -----------------------------------------------------------------------------------------------------

std::mutex               g_log_mutex;
Napi::ThreadSafeFunction g_log_tsfn;
bool                     g_log_set = false;
int                      g_log_min_level = GGML_LOG_LEVEL_WARN;

struct LogLine {
    int         level;
    std::string text;
};

void log_callback(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) rs::record_log_error(text);
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (!g_log_set || level == GGML_LOG_LEVEL_CONT || (int) level < g_log_min_level || !text) return;
    auto * line = new LogLine{ (int) level, text };
    if (g_log_tsfn.NonBlockingCall(line, [](Napi::Env env, Napi::Function cb, LogLine * l) {
            try {
                static const char * names[] = { "none", "debug", "info", "warn", "error", "cont" };
                cb.Call({ Napi::String::New(env, l->level >= 0 && l->level <= 5 ? names[l->level] : "info"),
                          Napi::String::New(env, l->text) });
            } catch (...) {
            }
            delete l;
        }) != napi_ok) {
        delete line;
    }
}

Napi::Value SetLogger(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::lock_guard<std::mutex> lock(g_log_mutex);
    if (g_log_set) {
        g_log_tsfn.Release();
        g_log_set = false;
    }
    if (info.Length() > 0 && info[0].IsFunction()) {
        g_log_tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "rotorscribe-log", 0, 1);
        g_log_tsfn.Unref(env); // logging alone must not keep the process alive
        g_log_set = true;
        static const std::map<std::string, int> levels = { { "debug", GGML_LOG_LEVEL_DEBUG }, { "info", GGML_LOG_LEVEL_INFO },
                                                            { "warn", GGML_LOG_LEVEL_WARN }, { "error", GGML_LOG_LEVEL_ERROR } };
        const std::string lvl = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "warn";
        auto it = levels.find(lvl);
        g_log_min_level = it == levels.end() ? GGML_LOG_LEVEL_WARN : it->second;
    }
    return env.Undefined();
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
    Napi::Object o = info[0].As<Napi::Object>();
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
    run_job(env, info[1].As<Napi::Function>(), "rotorscribe-load", [p](Job & job) {
        auto ms = rs::load_model(p, [&job](double v) {
            job.emit([v](Napi::Env env) -> Napi::Value {
                Napi::Object ev = Napi::Object::New(env);
                ev.Set("type", "progress");
                ev.Set("progress", v);
                return ev;
            });
        });
        job.emit([ms](Napi::Env env) -> Napi::Value {
            Napi::Object ev = Napi::Object::New(env);
            ev.Set("type", "done");
            ev.Set("handle", Napi::External<HandleBase>::New(env, new ModelHolder(ms), [](Napi::Env, HandleBase * h) { delete h; }));
            ev.Set("info", model_info(env, *ms));
            return ev;
        });
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
    Napi::Object o = info[1].As<Napi::Object>();
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
    run_job(env, info[2].As<Napi::Function>(), "rotorscribe-context", [ms, p](Job & job) {
        auto cs = rs::create_context(ms, p);
        job.emit([cs](Napi::Env env) -> Napi::Value {
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
        });
    });
    return env.Undefined();
}

Napi::Value Generate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto cs = unwrap<ContextState>(info[0], "context");
    Napi::Array reqs = info[1].As<Napi::Array>();
    Napi::Object o = info[2].As<Napi::Object>();
    rs::GenerateParams gp;
    gp.max_tokens = opt_int(o, "maxTokens", 256);
    gp.capture_logits = opt_bool(o, "captureLogits", false);
    const bool stream = opt_bool(o, "stream", true);

    std::vector<rs::SeqRequest> requests(reqs.Length());
    for (uint32_t i = 0; i < reqs.Length(); i++) {
        Napi::Object r = reqs.Get(i).As<Napi::Object>();
        requests[i].prompt = opt_str(r, "prompt");
        Napi::Value pcm = r.Get("pcm");
        if (pcm.IsTypedArray() && pcm.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
            Napi::Float32Array a = pcm.As<Napi::Float32Array>();
            requests[i].pcm.assign(a.Data(), a.Data() + a.ElementLength());
        }
        Napi::Value penalty = r.Get("repetitionPenalty");
        if (penalty.IsNumber()) requests[i].repetition_penalty = penalty.As<Napi::Number>().FloatValue();
        Napi::Value forced = r.Get("forced");
        if (forced.IsTypedArray() && forced.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
            Napi::Int32Array a = forced.As<Napi::Int32Array>();
            requests[i].forced.assign(a.Data(), a.Data() + a.ElementLength());
        }
    }

    bool expected = false;
    if (!cs->busy.compare_exchange_strong(expected, true)) {
        throw make_error(env, "ENGINE_BUSY", "this context is already decoding; create another context or wait");
    }
    cs->cancel.store(false);
    run_job(env, info[3].As<Napi::Function>(), "rotorscribe-generate", [cs, requests = std::move(requests), gp, stream](Job & job) {
        // The context must be free again before the JS side hears 'done' (or 'error'), or an immediate next call
        // would find it busy.
        struct Unbusy { ContextState & c; ~Unbusy() { c.busy.store(false); } };
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
        std::shared_ptr<rs::GenerateResult> res;
        {
            Unbusy unbusy{ *cs };
            res = std::make_shared<rs::GenerateResult>(rs::generate(*cs, requests, gp, on_piece));
        }
        const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(cs->model->model));
        job.emit([res, n_vocab](Napi::Env env) -> Napi::Value {
            Napi::Object ev = Napi::Object::New(env);
            ev.Set("type", "done");
            Napi::Object r = Napi::Object::New(env);
            Napi::Array seqs = Napi::Array::New(env, res->seqs.size());
            for (size_t i = 0; i < res->seqs.size(); i++) {
                const rs::SeqResult & s = res->seqs[i];
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
                seqs.Set((uint32_t) i, so);
            }
            r.Set("sequences", seqs);
            r.Set("encodeMs", res->encode_ms);
            r.Set("prefillMs", res->prefill_ms);
            r.Set("audioPrefillMs", res->audio_prefill_ms);
            r.Set("decodeMs", res->decode_ms);
            r.Set("nPrefillTokens", res->n_prefill_tokens);
            r.Set("nDecodeSteps", res->n_decode_steps);
            r.Set("nDecodedTokens", res->n_decoded_tokens);
            r.Set("cancelled", res->cancelled);
            ev.Set("result", r);
            return ev;
        });
    });
    return env.Undefined();
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
    const mtmd_memory_usage mu = mtmd_get_memory_usage(ms->mtmd);
    Napi::Object o = Napi::Object::New(env);
    o.Set("weights", Napi::Number::New(env, (double) mu.weights));
    o.Set("compute", Napi::Number::New(env, (double) mu.compute));
    return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    rs::backend_init();
    // Silent by default: errors are still recorded for messages, nothing reaches stderr unless a logger is set.
    llama_log_set(log_callback, nullptr);
    mtmd_helper_log_set(log_callback, nullptr);
    exports.Set("loadModel", Napi::Function::New(env, LoadModel));
    exports.Set("createContext", Napi::Function::New(env, CreateContext));
    exports.Set("generate", Napi::Function::New(env, Generate));
    exports.Set("cancel", Napi::Function::New(env, Cancel));
    exports.Set("contextMemory", Napi::Function::New(env, ContextMemory));
    exports.Set("encoderMemory", Napi::Function::New(env, EncoderMemory));
    exports.Set("dispose", Napi::Function::New(env, DisposeHandle));
    exports.Set("tokenize", Napi::Function::New(env, Tokenize));
    exports.Set("detokenize", Napi::Function::New(env, Detokenize));
    exports.Set("listDevices", Napi::Function::New(env, ListDevices));
    exports.Set("typeInfo", Napi::Function::New(env, TypeInfo));
    exports.Set("systemInfo", Napi::Function::New(env, SystemInfo));
    exports.Set("setLogger", Napi::Function::New(env, SetLogger));
    exports.Set("ggmlTypeCount", Napi::Number::New(env, GGML_TYPE_COUNT));
    return exports;
}

} // namespace

NODE_API_MODULE(rotorscribe, Init)
