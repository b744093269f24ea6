#include "engine.h"

#include "backends.h"

#include "ggml.h"
#include "llama-model.h" // llama_model::dev_layer: where each layer's KV cache lives (no public accessor yet)
#include "mtmd-helper.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <tuple>

namespace rs {

namespace {

thread_local std::string t_last_error;

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

std::string meta_str(const llama_model * model, const char * key) {
    char buf[256];
    const int32_t n = llama_model_meta_val_str(model, key, buf, sizeof(buf));
    return n < 0 ? std::string() : std::string(buf);
}

// Length of the longest prefix of `s` that does not end inside a UTF-8 sequence: byte-level BPE pieces may split
// a character, and the JavaScript side must only ever see whole characters.
size_t utf8_complete_prefix(const std::string & s) {
    size_t n = s.size();
    size_t i = n;
    // walk back over at most 3 continuation bytes to the lead byte of the last sequence
    size_t back = 0;
    while (i > 0 && back < 4) {
        const unsigned char c = static_cast<unsigned char>(s[i - 1]);
        if ((c & 0xC0) != 0x80) {
            size_t need = 1;
            if ((c & 0xE0) == 0xC0) need = 2;
            else if ((c & 0xF0) == 0xE0) need = 3;
            else if ((c & 0xF8) == 0xF0) need = 4;
            return (n - (i - 1)) >= need ? n : i - 1;
        }
        --i;
        ++back;
    }
    return n; // malformed: pass through rather than stall
}

llama_token single_control_token(const ModelState & ms, const char * text) {
    const auto toks = tokenize(ms, text, false, true);
    const llama_vocab * vocab = llama_model_get_vocab(ms.model);
    if (toks.size() != 1 || !llama_vocab_is_control(vocab, toks[0])) {
        throw Error("MODEL_TOKENIZER", std::string("the tokenizer has no single control token ") + text +
                                           " (found " + std::to_string(toks.size()) + " tokens)");
    }
    return toks[0];
}

llama_token argmax(const float * logits, int32_t n) {
    return static_cast<llama_token>(std::max_element(logits, logits + n) - logits);
}

// Greedy choice with the CTRL-style repetition penalty over the tokens generated so far (retry knob of the scheduler).
llama_token pick(const float * logits, int32_t n, const std::vector<llama_token> & history, float penalty) {
    if (penalty <= 1.0f || history.empty()) return argmax(logits, n);
    std::vector<float> adj(logits, logits + n);
    std::vector<bool> seen(n, false);
    for (llama_token t : history) {
        if (t < 0 || t >= n || seen[t]) continue;
        seen[t] = true;
        adj[t] = adj[t] > 0 ? adj[t] / penalty : adj[t] * penalty;
    }
    return argmax(adj.data(), n);
}

} // namespace

std::string last_log_error() { return t_last_error; }
void clear_log_error() { t_last_error.clear(); }
void record_log_error(const char * text) {
    if (!text) return;
    std::string s(text);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) t_last_error = s;
}

void backend_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        // the backend libraries beside the addon (CPU variant for this processor, GPUs that load) come first:
        // llama.cpp finds nothing to run on without them in a GGML_BACKEND_DL build
        load_backends();
        llama_backend_init();
    });
}

ModelState::~ModelState() {
    if (mtmd) mtmd_free(mtmd);
    if (model) llama_model_free(model);
}

ContextState::~ContextState() {
    if (ctx) llama_free(ctx);
}

std::vector<llama_token> tokenize(const ModelState & ms, const std::string & text, bool add_special, bool parse_special) {
    const llama_vocab * vocab = llama_model_get_vocab(ms.model);
    std::vector<llama_token> out(text.size() + 8);
    int32_t n = llama_tokenize(vocab, text.data(), (int32_t) text.size(), out.data(), (int32_t) out.size(), add_special, parse_special);
    if (n < 0) {
        out.resize(-n);
        n = llama_tokenize(vocab, text.data(), (int32_t) text.size(), out.data(), (int32_t) out.size(), add_special, parse_special);
    }
    out.resize(std::max(0, n));
    return out;
}

std::string token_piece(const ModelState & ms, llama_token token, bool special) {
    const llama_vocab * vocab = llama_model_get_vocab(ms.model);
    char buf[256];
    int32_t n = llama_token_to_piece(vocab, token, buf, sizeof(buf), 0, special);
    if (n < 0) {
        std::string big(-n, '\0');
        n = llama_token_to_piece(vocab, token, big.data(), (int32_t) big.size(), 0, special);
        return big.substr(0, std::max(0, n));
    }
    return std::string(buf, n);
}

// BF16 weights pay off where the CPU backend in use multiplies BF16 natively (tinyBLAS's dpbf16 path, AVX512_BF16):
// about 2x the F16 path, which widens to F32 first. Only when the encoder runs on the CPU (mtmd puts it on the
// first GPU when allowed to).
namespace {
bool encoder_prefers_bf16(const LoadParams & params) {
    const bool gpu = params.mmproj_gpu && (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU) ||
                                           ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_IGPU));
    const auto & features = load_backends().cpu_features;
    return !gpu && std::find(features.begin(), features.end(), "AVX512_BF16") != features.end();
}
} // namespace

std::shared_ptr<ModelState> load_model(const LoadParams & params, const ProgressFn & progress, const std::atomic<bool> * cancel) {
    backend_init();
    auto ms = std::make_shared<ModelState>();
    ms->params = params;

    struct Progress { const ProgressFn * fn; double base, span; const std::atomic<bool> * cancel; };
    Progress p_model{ &progress, 0.0, 0.8, cancel };
    Progress p_mmproj{ &progress, 0.8, 0.2, cancel };
    // returning false makes the loader give up (and return nullptr)
    auto cb = [](float p, void * ud) -> bool {
        auto * pr = static_cast<Progress *>(ud);
        if (pr->cancel && pr->cancel->load()) return false;
        if (*pr->fn) (*pr->fn)(pr->base + pr->span * p);
        return true;
    };
    auto cancelled = [cancel] { return cancel && cancel->load(); };

    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = params.n_gpu_layers;
    mp.load_mode = params.use_mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
    mp.progress_callback = cb;
    mp.progress_callback_user_data = &p_model;

    clear_log_error();
    ms->model = llama_model_load_from_file(params.model_path.c_str(), mp);
    if (cancelled()) throw Error("CANCELLED", "loading the model was cancelled");
    if (!ms->model) {
        throw Error("MODEL_LOAD_FAILED", "llama.cpp could not load the model: " + last_log_error());
    }
    const std::string arch = meta_str(ms->model, "general.architecture");
    if (arch != "llama") {
        throw Error("MODEL_WRONG_ARCH", "expected a Voxtral (llama architecture) text model, got '" + arch + "'");
    }

    const llama_vocab * vocab = llama_model_get_vocab(ms->model);
    ms->tokens.bos = llama_vocab_bos(vocab);
    ms->tokens.eos = llama_vocab_eos(vocab);
    ms->tokens.inst = single_control_token(*ms, "[INST]");
    ms->tokens.inst_end = single_control_token(*ms, "[/INST]");
    ms->tokens.begin_audio = single_control_token(*ms, "[BEGIN_AUDIO]");
    ms->tokens.transcribe = single_control_token(*ms, "[TRANSCRIBE]");

    mtmd_context_params cp = mtmd_context_params_default();
    cp.use_gpu = params.mmproj_gpu;
    cp.print_timings = false;
    cp.n_threads = params.n_threads;
    cp.flash_attn_type = static_cast<llama_flash_attn_type>(params.flash_attn);
    cp.warmup = params.warmup;
    cp.audio_avgpool = params.audio_avgpool;
    ms->encoder_bf16 = params.encoder_bf16 == 1 || (params.encoder_bf16 < 0 && encoder_prefers_bf16(params));
    cp.weight_type = ms->encoder_bf16 ? GGML_TYPE_BF16 : GGML_TYPE_COUNT;
    cp.progress_callback = cb;
    cp.progress_callback_user_data = &p_mmproj;

    clear_log_error();
    ms->mtmd = mtmd_init_from_file(params.mmproj_path.c_str(), ms->model, cp);
    if (cancelled()) throw Error("CANCELLED", "loading the model was cancelled");
    if (!ms->mtmd) {
        const std::string why = last_log_error();
        const bool mismatch = why.find("mismatch") != std::string::npos || why.find("projector") != std::string::npos;
        throw Error(mismatch ? "MODEL_MMPROJ_MISMATCH" : "MODEL_LOAD_FAILED", "the audio encoder (mmproj) could not be loaded: " + why);
    }
    if (!mtmd_support_audio(ms->mtmd)) {
        throw Error("MODEL_MMPROJ_MISMATCH", "the mmproj file has no audio encoder");
    }

    // Count what one 30 s chunk becomes, so callers can budget context without guessing the pooling mode.
    {
        std::vector<float> silence(16000, 0.0f); // mtmd pads every chunk to 30 s
        mtmd_bitmap * bmp = mtmd_bitmap_init_from_audio(silence.size(), silence.data());
        mtmd_input_chunks * chunks = mtmd_input_chunks_init();
        mtmd_input_text txt{ mtmd_default_marker(), std::strlen(mtmd_default_marker()), false, true };
        const mtmd_bitmap * bitmaps[] = { bmp };
        if (mtmd_tokenize(ms->mtmd, chunks, &txt, bitmaps, 1) == 0) {
            size_t n = 0;
            for (size_t i = 0; i < mtmd_input_chunks_size(chunks); i++) {
                const auto * ch = mtmd_input_chunks_get(chunks, i);
                if (mtmd_input_chunk_get_type(ch) == MTMD_INPUT_CHUNK_TYPE_AUDIO) n += mtmd_input_chunk_get_n_tokens(ch);
            }
            ms->audio_tokens_per_30s = (int32_t) n;
        }
        mtmd_input_chunks_free(chunks);
        mtmd_bitmap_free(bmp);
    }
    if (progress) progress(1.0);
    return ms;
}


// ---- KV cache support guard -------------------------------------------------------------------------------------

namespace {

std::mutex                                   g_kv_override_mutex;
std::vector<std::pair<std::string, int32_t>> g_kv_override;

bool op_touches_type(const ggml_tensor * op, int32_t type) {
    if ((int32_t) op->type == type) return true;
    for (int i = 0; i < GGML_MAX_SRC; i++) {
        if (op->src[i] && (int32_t) op->src[i]->type == type) return true;
    }
    return false;
}

// The one place the guard asks a device; the test override replaces the answer and nothing else.
bool device_runs(ggml_backend_dev_t dev, const ggml_tensor * op) {
    {
        std::lock_guard<std::mutex> lock(g_kv_override_mutex);
        const std::string name = ggml_backend_dev_name(dev);
        for (const auto & [device, type] : g_kv_override) {
            if (device == name && op_touches_type(op, type)) return false;
        }
    }
    return ggml_backend_dev_supports_op(dev, op);
}

bool known_type(int32_t t) {
    return t >= 0 && t < GGML_TYPE_COUNT && ggml_blck_size((ggml_type) t) > 0 && ggml_type_size((ggml_type) t) > 0;
}

std::string type_label(int32_t t) {
    const char * name = known_type(t) ? ggml_type_name((ggml_type) t) : nullptr;
    return name ? name : "(ggml type id " + std::to_string(t) + ")";
}

struct ProbeOp {
    ggml_tensor * op;
    std::string   type; // the cache type(s) it stands for
    const char *  role;
};

struct GgmlCtxFree {
    void operator()(ggml_context * c) const { ggml_free(c); }
};

// The cache's ops as llama.cpp builds them (llama-kv-cache.cpp cpy_k/cpy_v/get_k/get_v/build_rope_shift,
// llama-graph.cpp build_attn_mha), with one padded n_kv step of cells: supports_op looks at types, head sizes,
// layouts and batch sizes, never at the cell count.
class KvProbeGraph {
  public:
    explicit KvProbeGraph(const KvOpsQuery & q) : q_(q) {
        ggml_init_params ip = { /*.mem_size =*/ ggml_tensor_overhead() * 256, /*.mem_buffer =*/ nullptr, /*.no_alloc =*/ true };
        ctx_.reset(ggml_init(ip));
        if (!ctx_) throw Error("OUT_OF_MEMORY", "no memory for the KV cache support check");
        tk_ = (ggml_type) q.type_k;
        tv_ = (ggml_type) q.type_v;
        ns_ = std::max<int64_t>(1, q.n_stream);
        k_ = ggml_new_tensor_3d(ctx(), tk_, s().head_dim_k * s().n_head_kv, kv_size, ns_);
        v_ = ggml_new_tensor_3d(ctx(), tv_, s().head_dim_v * s().n_head_kv, kv_size, ns_);
    }

    std::vector<ProbeOp> writes(bool v_trans) {
        std::vector<ProbeOp> out;
        out.push_back({ set_rows(k_, s().head_dim_k * s().n_head_kv), type_label(tk_), "writing the K cache" });
        if (!v_trans) {
            out.push_back({ set_rows(v_, s().head_dim_v * s().n_head_kv), type_label(tv_), "writing the V cache" });
        } else {
            // the transposed V cache is written one element per row (llama_kv_cache::cpy_v)
            const int64_t n = ggml_nelements(v_);
            ggml_tensor * dst = ggml_reshape_2d(ctx(), v_, 1, n);
            ggml_tensor * cur = ggml_new_tensor_2d(ctx(), GGML_TYPE_F32, 1, s().head_dim_v * s().n_head_kv * n_tokens_decode());
            ggml_tensor * idx = ggml_new_tensor_1d(ctx(), GGML_TYPE_I64, cur->ne[1]);
            out.push_back({ ggml_set_rows(ctx(), dst, cur, idx), type_label(tv_), "writing the V cache" });
        }
        return out;
    }

    // decode (one token per stream) and prefill (a ubatch split over the streams): kernels differ by batch size
    std::vector<ProbeOp> flash_attention() {
        std::vector<ProbeOp> out;
        for (int64_t nt : { n_tokens_decode(), n_tokens_prefill() }) {
            ggml_tensor * fa = ggml_flash_attn_ext(ctx(), query(nt), cache_view(k_, s().head_dim_k), cache_view(v_, s().head_dim_v),
                                                   mask(nt, GGML_TYPE_F16), 1.0f / std::sqrt((float) s().head_dim_k), 0.0f, 0.0f);
            ggml_flash_attn_ext_set_n_kv_max(fa, (int32_t) kv_size);
            ggml_prec_set_acc(fa, GGML_PREC_F32);
            out.push_back({ fa, pair_label(),
                            nt == 1 ? "attention while decoding (flash attention)" : "attention over a prompt (flash attention)" });
        }
        return out;
    }

    // without flash attention: K·Q and V·softmax as matrix products over the transposed V cache
    std::vector<ProbeOp> matmul_attention() {
        std::vector<ProbeOp> out;
        for (int64_t nt : { n_tokens_decode(), n_tokens_prefill() }) {
            ggml_tensor * kq = ggml_mul_mat(ctx(), cache_view(k_, s().head_dim_k), query(nt));
            ggml_prec_set_acc(kq, GGML_PREC_F32);
            out.push_back({ kq, type_label(tk_), "attention scores (K·Q)" });
            ggml_tensor * vt = ggml_view_4d(ctx(), v_, kv_size, s().n_head_kv, s().head_dim_v, ns_,
                                            ggml_row_size(tv_, kv_size * s().head_dim_v), ggml_row_size(tv_, kv_size),
                                            ggml_row_size(tv_, kv_size * s().head_dim_v * s().n_head_kv), 0);
            vt = ggml_permute(ctx(), vt, 0, 2, 1, 3);
            ggml_tensor * probs = ggml_new_tensor_4d(ctx(), GGML_TYPE_F32, kv_size, nt, s().n_head, ns_);
            out.push_back({ ggml_mul_mat(ctx(), vt, probs), type_label(tv_), "attention output (V·softmax)" });
        }
        return out;
    }

    // the K-shift of a quantized cache: dequantize to f32, RoPE, quantize back (llama_kv_cache::build_rope_shift)
    std::vector<ProbeOp> k_shift() {
        std::vector<ProbeOp> out;
        if (!ggml_is_quantized(tk_)) return out; // f16/f32/bf16 are rotated in place
        const int64_t dk = s().head_dim_k;
        ggml_tensor * view = ggml_view_3d(ctx(), k_, dk, s().n_head_kv, kv_size * ns_, ggml_row_size(tk_, dk),
                                          ggml_row_size(tk_, dk * s().n_head_kv), 0);
        ggml_tensor * f32 = ggml_cast(ctx(), view, GGML_TYPE_F32);
        out.push_back({ f32, type_label(tk_), "shifting K positions (dequantize)" });
        out.push_back({ ggml_cpy(ctx(), ggml_new_tensor(ctx(), GGML_TYPE_F32, 3, f32->ne), view), type_label(tk_),
                        "shifting K positions (quantize back)" });
        return out;
    }

  private:
    static constexpr int64_t kv_size = 256; // llama_kv_cache::get_n_kv pads to 256 cells

    ggml_context * ctx() { return ctx_.get(); }
    std::string pair_label() const { return tk_ == tv_ ? type_label(tk_) : type_label(tk_) + " K / " + type_label(tv_) + " V"; }
    const KvShape & s() const { return q_.shape; }
    int64_t n_tokens_decode() const { return 1; }
    int64_t n_tokens_prefill() const { return std::max<int64_t>(1, (int64_t) q_.n_ubatch / ns_); }

    ggml_tensor * set_rows(ggml_tensor * cache, int64_t n_embd_gqa) {
        const int64_t nt = n_tokens_prefill();
        ggml_tensor * dst = ns_ > 1 ? ggml_reshape_2d(ctx(), cache, n_embd_gqa, kv_size * ns_) : cache;
        ggml_tensor * cur = ggml_new_tensor_2d(ctx(), GGML_TYPE_F32, n_embd_gqa, nt);
        ggml_tensor * idx = ggml_new_tensor_1d(ctx(), GGML_TYPE_I64, nt);
        return ggml_set_rows(ctx(), dst, cur, idx);
    }

    // [head_dim, n_kv, n_head_kv, n_stream], as llama_kv_cache::get_k/get_v view it and build_attn_mha permutes it
    ggml_tensor * cache_view(ggml_tensor * cache, int64_t head_dim) {
        const ggml_type t = cache->type;
        const int64_t n_embd_gqa = head_dim * s().n_head_kv;
        ggml_tensor * view = ggml_view_4d(ctx(), cache, head_dim, s().n_head_kv, kv_size, ns_, ggml_row_size(t, head_dim),
                                          ggml_row_size(t, n_embd_gqa), ggml_row_size(t, n_embd_gqa * kv_size), 0);
        return ggml_permute(ctx(), view, 0, 2, 1, 3);
    }

    ggml_tensor * query(int64_t nt) {
        ggml_tensor * q = ggml_new_tensor_4d(ctx(), GGML_TYPE_F32, s().head_dim_k, s().n_head, nt, ns_);
        return ggml_permute(ctx(), q, 0, 2, 1, 3);
    }

    ggml_tensor * mask(int64_t nt, ggml_type t) { return ggml_new_tensor_4d(ctx(), t, kv_size, nt, 1, ns_); }

    KvOpsQuery                                  q_;
    std::unique_ptr<ggml_context, GgmlCtxFree> ctx_;
    ggml_type                                   tk_, tv_;
    int64_t                                     ns_;
    ggml_tensor *                               k_ = nullptr;
    ggml_tensor *                               v_ = nullptr;
};

std::optional<KvUnsupported> first_unsupported(ggml_backend_dev_t dev, const std::vector<ProbeOp> & ops) {
    for (const ProbeOp & p : ops) {
        if (!device_runs(dev, p.op)) {
            return KvUnsupported{ ggml_backend_dev_name(dev), ggml_op_name(p.op->op), p.type, p.role };
        }
    }
    return std::nullopt;
}

} // namespace

std::string KvUnsupported::message() const {
    return "the KV cache type " + type + " cannot run on device " + device + ": it has no " + op + " kernel for " + role;
}

void validate_kv_query(const KvOpsQuery & q) {
    for (const auto & [t, role, head_dim] : { std::tuple{ q.type_k, "K", q.shape.head_dim_k }, std::tuple{ q.type_v, "V", q.shape.head_dim_v } }) {
        if (!known_type(t)) throw Error("KV_TYPE_UNSUPPORTED", std::string("unknown ") + role + " cache type " + type_label(t));
        if (head_dim <= 0 || head_dim % ggml_blck_size((ggml_type) t) != 0) {
            throw Error("KV_TYPE_UNSUPPORTED", std::string("the ") + role + " cache type " + type_label(t) + " has blocks of " +
                                                   std::to_string(ggml_blck_size((ggml_type) t)) + " values, which do not divide the head size " +
                                                   std::to_string(head_dim));
        }
    }
    if (q.shape.n_head <= 0 || q.shape.n_head_kv <= 0 || q.shape.n_head % q.shape.n_head_kv != 0) {
        throw Error("INTERNAL", "attention heads " + std::to_string(q.shape.n_head) + " / " + std::to_string(q.shape.n_head_kv) +
                                    " are not a grouped-query layout");
    }
    if (q.flash_attn == LLAMA_FLASH_ATTN_TYPE_DISABLED && ggml_is_quantized((ggml_type) q.type_v)) {
        throw Error("KV_TYPE_UNSUPPORTED", "the quantized V cache type " + type_label(q.type_v) + " needs flash attention, which is off");
    }
}

std::optional<KvUnsupported> kv_unsupported_op(ggml_backend_dev_t dev, const KvOpsQuery & q) {
    validate_kv_query(q);
    KvProbeGraph g(q);
    // llama.cpp turns flash attention on by itself for a quantized V cache, and "auto" otherwise keeps it only where
    // the layer's device runs it (llama_context::resolve_fused_ops), falling back to matrix products
    const bool fa_forced = q.flash_attn == LLAMA_FLASH_ATTN_TYPE_ENABLED || ggml_is_quantized((ggml_type) q.type_v);
    const bool fa_auto = !fa_forced && q.flash_attn == LLAMA_FLASH_ATTN_TYPE_AUTO;
    const bool v_trans = !fa_forced && !fa_auto;
    if (auto bad = first_unsupported(dev, g.writes(v_trans))) return bad;
    if (fa_forced) {
        if (auto bad = first_unsupported(dev, g.flash_attention())) return bad;
    } else if (fa_auto) {
        auto bad_fa = first_unsupported(dev, g.flash_attention());
        if (bad_fa && first_unsupported(dev, g.matmul_attention()).has_value()) return bad_fa;
    } else {
        if (auto bad = first_unsupported(dev, g.matmul_attention())) return bad;
    }
    return first_unsupported(dev, g.k_shift());
}

std::vector<ggml_backend_dev_t> kv_cache_devices(const ModelState & ms) {
    std::vector<ggml_backend_dev_t> out;
    const int32_t n_layer = llama_model_n_layer(ms.model);
    for (int32_t il = 0; il < n_layer; il++) {
        ggml_backend_dev_t dev = ms.model->dev_layer(il);
        if (dev && std::find(out.begin(), out.end(), dev) == out.end()) out.push_back(dev);
    }
    return out;
}

void set_kv_support_override(std::vector<std::pair<std::string, int32_t>> rules) {
    std::lock_guard<std::mutex> lock(g_kv_override_mutex);
    g_kv_override = std::move(rules);
}

namespace {

KvShape model_kv_shape(const ModelState & ms) {
    const auto & hp = ms.model->hparams;
    KvShape s;
    s.head_dim_k = hp.n_embd_head_k();
    s.head_dim_v = hp.n_embd_head_v();
    s.n_head = hp.n_head();
    s.n_head_kv = hp.n_head_kv();
    return s;
}

// Before llama.cpp sees the types: an unsupported one would abort the process inside llama_init_from_model.
void check_kv_support(const ModelState & ms, const ContextParams & params) {
    KvOpsQuery q;
    q.type_k = params.type_k;
    q.type_v = params.type_v;
    q.shape = model_kv_shape(ms);
    q.flash_attn = params.flash_attn;
    q.n_ubatch = params.n_ubatch;
    q.n_stream = params.kv_unified ? 1 : std::max<uint32_t>(1, params.n_seq_max);
    for (ggml_backend_dev_t dev : kv_cache_devices(ms)) {
        if (auto bad = kv_unsupported_op(dev, q)) throw Error("KV_TYPE_UNSUPPORTED", bad->message());
    }
}

} // namespace

std::shared_ptr<ContextState> create_context(const std::shared_ptr<ModelState> & model, const ContextParams & params) {
    check_kv_support(*model, params);
    auto cs = std::make_shared<ContextState>();
    cs->model = model;
    cs->params = params;

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = params.n_ctx;
    cp.n_batch = params.n_batch;
    cp.n_ubatch = params.n_ubatch;
    cp.n_seq_max = params.n_seq_max;
    cp.n_threads = params.n_threads;
    cp.n_threads_batch = params.n_threads_batch;
    cp.type_k = static_cast<ggml_type>(params.type_k);
    cp.type_v = static_cast<ggml_type>(params.type_v);
    cp.flash_attn_type = static_cast<llama_flash_attn_type>(params.flash_attn);
    cp.kv_unified = params.kv_unified;
    cp.no_perf = true;
    ContextState * raw = cs.get();
    cp.abort_callback = [](void * data) -> bool { return static_cast<ContextState *>(data)->cancel.load(); };
    cp.abort_callback_data = raw;

    clear_log_error();
    cs->ctx = llama_init_from_model(model->model, cp);
    if (!cs->ctx) {
        const std::string why = last_log_error();
        const bool oom = why.find("alloc") != std::string::npos || why.find("memory") != std::string::npos;
        throw Error(oom ? "CONTEXT_TOO_LARGE" : "INTERNAL", "llama.cpp could not create the context: " + why);
    }
    return cs;
}

namespace {

struct SeqState {
    SeqResult           result;
    int32_t             index = -1; // the request's index: pieces and results carry it, the slot is the seq id
    llama_pos           n_past = 0;
    bool                active = true;
    std::vector<float>  first_logits; // from the prefill (or kept across another window's prefill)
    int32_t             batch_index = -1;
    std::string         pending; // bytes of an incomplete UTF-8 character
    size_t              step = 0;
};

using ChunksPtr = std::unique_ptr<mtmd_input_chunks, void (*)(mtmd_input_chunks *)>;

// A request with its prompt and audio as mtmd chunks (the log-mel spectrogram of the audio, computed on the CPU).
struct Tokenized {
    int32_t    index = -1;
    SeqRequest req;
    ChunksPtr  chunks{ nullptr, mtmd_input_chunks_free };
    double     ms = 0;
};

Tokenized tokenize_request(ModelState & ms, int32_t index, SeqRequest req) {
    const double t0 = now_ms();
    Tokenized t{ index, std::move(req), ChunksPtr(mtmd_input_chunks_init(), mtmd_input_chunks_free), 0 };
    mtmd_input_text txt{ t.req.prompt.c_str(), t.req.prompt.size(), true, true };
    // mtmd_tokenize only reads the context (the mel filters and tables are built at load): no lock, so windows are
    // tokenized while another window of the model is encoded
    int32_t rc;
    if (!t.req.pcm.empty()) {
        std::unique_ptr<mtmd_bitmap, void (*)(mtmd_bitmap *)> bmp(
            mtmd_bitmap_init_from_audio(t.req.pcm.size(), t.req.pcm.data()), mtmd_bitmap_free);
        const mtmd_bitmap * bitmaps[] = { bmp.get() };
        rc = mtmd_tokenize(ms.mtmd, t.chunks.get(), &txt, bitmaps, 1);
    } else {
        rc = mtmd_tokenize(ms.mtmd, t.chunks.get(), &txt, nullptr, 0);
    }
    if (rc != 0) {
        throw Error("AUDIO_BAD_FORMAT", "the prompt and audio could not be tokenized (mtmd_tokenize returned " + std::to_string(rc) +
                                            "); the prompt needs exactly one media marker per audio window");
    }
    // the chunks hold the spectrogram: the PCM is not needed any more
    std::vector<float>().swap(t.req.pcm);
    t.ms = now_ms() - t0;
    return t;
}

// Encodes the audio and evaluates the prompt of one sequence; leaves its last logits in `seq.first_logits`.
void prefill(ContextState & cs, const mtmd_input_chunks * chunks, int32_t seq_id, SeqState & seq, GenerateResult & out) {
    ModelState & ms = *cs.model;
    const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(ms.model));
    int32_t rc;

    const size_t n_tokens = mtmd_helper_get_n_tokens(chunks);
    const uint32_t cap = cs.params.kv_unified ? cs.params.n_ctx : cs.params.n_ctx / std::max<uint32_t>(1, cs.params.n_seq_max);
    seq.result.n_prompt_tokens = (int32_t) n_tokens;
    if (n_tokens + 1 > cap) {
        throw Error("CONTEXT_OVERFLOW", "the window needs " + std::to_string(n_tokens) + " prompt tokens but a sequence holds " +
                                            std::to_string(cap) + " tokens");
    }

    const size_t n_chunks = mtmd_input_chunks_size(chunks);
    for (size_t i = 0; i < n_chunks; i++) {
        if (cs.cancel.load()) return;
        const mtmd_input_chunk * chunk = mtmd_input_chunks_get(chunks, i);
        const bool last = i + 1 == n_chunks;
        llama_pos new_n_past = seq.n_past;
        if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            const double t0 = now_ms();
            rc = mtmd_helper_eval_chunk_single(ms.mtmd, cs.ctx, chunk, seq.n_past, seq_id, (int32_t) cs.params.n_batch, last, &new_n_past);
            out.prefill_ms += now_ms() - t0;
        } else {
            std::lock_guard<std::mutex> lock(ms.mtmd_mutex);
            const double t0 = now_ms();
            rc = mtmd_encode_chunk(ms.mtmd, chunk);
            const double t1 = now_ms();
            out.encode_ms += t1 - t0;
            if (rc != 0) throw Error("INTERNAL", "audio encoding failed: " + last_log_error());
            if (cs.cancel.load()) return;
            seq.result.n_audio_tokens += (int32_t) mtmd_input_chunk_get_n_tokens(chunk);
            rc = mtmd_helper_decode_image_chunk(ms.mtmd, cs.ctx, chunk, mtmd_get_output_embd(ms.mtmd), seq.n_past, seq_id,
                                                (int32_t) cs.params.n_batch, &new_n_past, nullptr, nullptr);
            out.prefill_ms += now_ms() - t1;
            out.audio_prefill_ms += now_ms() - t1;
            if (last && rc == 0) {
                throw Error("INTERNAL", "the prompt must end with text after the audio");
            }
        }
        if (rc != 0) {
            if (cs.cancel.load()) return;
            throw Error("INTERNAL", "prompt evaluation failed (" + std::to_string(rc) + "): " + last_log_error());
        }
        seq.n_past = new_n_past;
    }
    out.n_prefill_tokens += (int32_t) n_tokens;
    const float * logits = llama_get_logits_ith(cs.ctx, -1);
    if (!logits) throw Error("INTERNAL", "no logits after the prompt");
    seq.first_logits.assign(logits, logits + n_vocab);
}

void emit_piece(ModelState & ms, SeqState & seq, llama_token tok, const PieceFn & on_piece) {
    seq.pending += token_piece(ms, tok, false);
    const size_t n = utf8_complete_prefix(seq.pending);
    std::string text = seq.pending.substr(0, n);
    seq.pending.erase(0, n);
    seq.result.text += text;
    if (on_piece) on_piece(seq.index, tok, text);
}

// Teacher forcing knows every token up front: feed them like a prompt, n_batch at a time, with a logits row for each
// (one decode per token would make a 2k-position quality measurement take ~10 minutes on two cores instead of ~2).
void decode_forced(ContextState & cs, const SeqRequest & req, int32_t seq_id, SeqState & seq, uint32_t cap,
                   bool capture_logits, GenerateResult & out, const PieceFn & on_piece) {
    ModelState & ms = *cs.model;
    const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(ms.model));
    const std::vector<llama_token> & forced = req.forced;
    if (capture_logits) {
        seq.result.logits.insert(seq.result.logits.end(), seq.first_logits.begin(), seq.first_logits.end());
        seq.result.n_logit_rows++;
    }
    // A resume must continue exactly as the interrupted run would have: its tokens went into the cache one at a time,
    // and several at once round differently (measured: greedy output diverges ~25 tokens after a batched prefix).
    const int32_t n_batch = req.continue_after_forced ? 1 : std::max<int32_t>(1, (int32_t) cs.params.n_batch);
    llama_batch batch = llama_batch_init(n_batch, 0, 1);
    struct BatchFree { llama_batch & b; ~BatchFree() { llama_batch_free(b); } } batch_free{ batch };
    seq.active = false;
    while (seq.step < forced.size()) {
        if (cs.cancel.load()) return;
        const int64_t room = (int64_t) cap - 1 - seq.n_past;
        const int32_t n = (int32_t) std::min<int64_t>({ (int64_t) n_batch, (int64_t) (forced.size() - seq.step), room });
        if (n <= 0) {
            seq.result.stop = "context_full";
            return;
        }
        batch.n_tokens = n;
        for (int32_t j = 0; j < n; j++) {
            batch.token[j] = forced[seq.step + j];
            batch.pos[j] = seq.n_past + j;
            batch.n_seq_id[j] = 1;
            batch.seq_id[j][0] = (llama_seq_id) seq_id;
            batch.logits[j] = 1;
        }
        const int32_t rc = llama_decode(cs.ctx, batch);
        out.n_decode_steps++;
        if (rc == 2 || cs.cancel.load()) return;
        if (rc == 1) {
            seq.result.stop = "context_full";
            return;
        }
        if (rc != 0) throw Error("INTERNAL", "llama_decode failed (" + std::to_string(rc) + "): " + last_log_error());
        for (int32_t j = 0; j < n; j++) {
            const llama_token tok = forced[seq.step + j];
            seq.result.tokens.push_back(tok);
            emit_piece(ms, seq, tok, on_piece);
            if (capture_logits) {
                const float * logits = llama_get_logits_ith(cs.ctx, j);
                if (!logits) throw Error("INTERNAL", "no logits for a forced token");
                seq.result.logits.insert(seq.result.logits.end(), logits, logits + n_vocab);
                seq.result.n_logit_rows++;
            }
        }
        seq.step += (size_t) n;
        seq.n_past += n;
        out.n_decoded_tokens += n;
        out.n_forced_tokens += n;
        if (req.continue_after_forced && seq.step == forced.size()) {
            // later forced sequences reuse the logits buffer: keep this row as if it came from the prompt
            const float * logits = llama_get_logits_ith(cs.ctx, n - 1);
            if (!logits) throw Error("INTERNAL", "no logits after the forced tokens");
            seq.first_logits.assign(logits, logits + n_vocab);
        }
    }
    if (req.continue_after_forced) {
        seq.batch_index = -1;
        seq.active = true;
        return;
    }
    seq.result.stop = "forced_end";
}

// The next queued windows, tokenized on threads of their own while the slots decode: their log-mel spectrograms are
// then ready when a slot frees, instead of holding up every other window's next step. A few at once: on a GPU a
// slot frees about as often as one CPU thread group computes a 2-minute spectrogram.
class Lookahead {
  public:
    static constexpr size_t depth = 3;

    Lookahead(ModelState & ms, RequestQueue & queue, const std::atomic<bool> & cancel) : ms_(ms), queue_(queue), cancel_(cancel) {}
    Lookahead(const Lookahead &) = delete;
    Lookahead & operator=(const Lookahead &) = delete;
    ~Lookahead() {
        for (auto & f : ahead_) f.wait();
    }

    // Starts tokenizing queued windows, up to `depth` ahead; never waits.
    void prime() {
        while (ahead_.size() < depth) {
            auto item = queue_.pop(false, cancel_);
            if (!item) return;
            ModelState * ms = &ms_;
            ahead_.push_back(std::async(std::launch::async, [ms, item = std::move(*item)]() mutable {
                return tokenize_request(*ms, item.first, std::move(item.second));
            }));
        }
    }

    // The next window, tokenized: the oldest primed one, else the queue's next (waiting for one when `wait`).
    std::optional<Tokenized> next(bool wait, GenerateResult & out) {
        const double t0 = now_ms();
        if (!ahead_.empty()) {
            std::future<Tokenized> f = std::move(ahead_.front());
            ahead_.pop_front();
            Tokenized t = f.get();
            out.tokenize_wait_ms += now_ms() - t0;
            out.tokenize_ms += t.ms;
            return t;
        }
        auto item = queue_.pop(wait, cancel_);
        const double t1 = now_ms();
        if (wait) out.idle_ms += t1 - t0;
        if (!item) return std::nullopt;
        Tokenized t = tokenize_request(ms_, item->first, std::move(item->second));
        out.tokenize_wait_ms += now_ms() - t1;
        out.tokenize_ms += t.ms;
        return t;
    }

  private:
    ModelState &                       ms_;
    RequestQueue &                     queue_;
    const std::atomic<bool> &          cancel_;
    std::deque<std::future<Tokenized>> ahead_;
};

// Continuous batching over the context's n_seq_max slots (slot = llama seq id): fill every free slot from the queue
// (encode + prefill, or forced tokens), take one greedy step for every decoding slot in one llama_decode, hand each
// finished window to `on_done` and free its slot, until the queue is closed and every slot is empty.
GenerateResult run_slots(ContextState & cs, RequestQueue & queue, const GenerateParams & params, const PieceFn & on_piece,
                         const SeqDoneFn & on_done) {
    ModelState & ms = *cs.model;
    const llama_vocab * vocab = llama_model_get_vocab(ms.model);
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);
    const uint32_t n_slots = std::max<uint32_t>(1, cs.params.n_seq_max);
    const uint32_t cap = cs.params.kv_unified ? cs.params.n_ctx : cs.params.n_ctx / n_slots;
    llama_memory_t mem = llama_get_memory(cs.ctx);

    GenerateResult out;
    std::vector<SeqState> slots(n_slots);
    std::vector<SeqRequest> reqs(n_slots);
    std::vector<bool> used(n_slots, false);
    llama_memory_clear(mem, true);
    llama_batch batch = llama_batch_init((int32_t) n_slots, 0, 1);
    struct BatchFree { llama_batch & b; ~BatchFree() { llama_batch_free(b); } } batch_free{ batch };
    Lookahead ahead(ms, queue, cs.cancel);

    auto finish = [&](uint32_t s) {
        SeqState & seq = slots[s];
        seq.result.text += seq.pending; // a dangling partial character at the very end
        on_done(seq.index, std::move(seq.result));
        seq = SeqState{};
        reqs[s] = SeqRequest{};
        used[s] = false;
    };
    // A prefill overwrites the context's logits: the decoding slots keep their rows of the last step first.
    auto keep_logits = [&] {
        for (uint32_t s = 0; s < n_slots; s++) {
            SeqState & seq = slots[s];
            if (!used[s] || !seq.active || seq.batch_index < 0) continue;
            const float * logits = llama_get_logits_ith(cs.ctx, seq.batch_index);
            if (!logits) throw Error("INTERNAL", "no logits for a decoding window");
            seq.first_logits.assign(logits, logits + n_vocab);
            seq.batch_index = -1;
        }
    };

    while (!cs.cancel.load()) {
        bool busy = std::find(used.begin(), used.end(), true) != used.end();
        bool kept = false;
        for (uint32_t s = 0; s < n_slots && !cs.cancel.load(); s++) {
            if (used[s]) continue;
            std::optional<Tokenized> t = ahead.next(!busy, out);
            if (!t) break;
            if (!kept) {
                keep_logits();
                kept = true;
            }
            used[s] = true;
            busy = true;
            SeqState & seq = slots[s];
            seq.index = t->index;
            reqs[s] = std::move(t->req);
            out.n_windows++;
            llama_memory_seq_rm(mem, (llama_seq_id) s, -1, -1);
            prefill(cs, t->chunks.get(), (int32_t) s, seq, out);
            if (cs.cancel.load()) break;
            if (!reqs[s].forced.empty()) {
                const double t0 = now_ms();
                decode_forced(cs, reqs[s], (int32_t) s, seq, cap, params.capture_logits, out, on_piece);
                out.decode_ms += now_ms() - t0;
            }
        }
        if (cs.cancel.load() || !busy) break;
        ahead.prime();

        const double t_step = now_ms();
        batch.n_tokens = 0;
        for (uint32_t s = 0; s < n_slots; s++) {
            if (!used[s]) continue;
            SeqState & seq = slots[s];
            if (!seq.active) { // forced_end, or a full context while forcing
                finish(s);
                continue;
            }
            const float * logits = seq.batch_index < 0 ? seq.first_logits.data() : llama_get_logits_ith(cs.ctx, seq.batch_index);
            if (params.capture_logits) {
                seq.result.logits.insert(seq.result.logits.end(), logits, logits + n_vocab);
                seq.result.n_logit_rows++;
            }
            const llama_token tok = pick(logits, n_vocab, seq.result.tokens, reqs[s].repetition_penalty);
            seq.step++;
            if (llama_vocab_is_eog(vocab, tok)) {
                seq.result.stop = "eos";
                finish(s);
                continue;
            }
            seq.result.tokens.push_back(tok);
            out.n_decoded_tokens++;
            emit_piece(ms, seq, tok, on_piece);
            const int32_t max_tokens = reqs[s].max_tokens > 0 ? reqs[s].max_tokens : params.max_tokens;
            if ((int32_t) seq.result.tokens.size() >= max_tokens) {
                seq.result.stop = "max_tokens";
                finish(s);
                continue;
            }
            if ((uint32_t) seq.n_past + 1 >= cap) {
                seq.result.stop = "context_full";
                finish(s);
                continue;
            }
            const int32_t j = batch.n_tokens++;
            batch.token[j] = tok;
            batch.pos[j] = seq.n_past;
            batch.n_seq_id[j] = 1;
            batch.seq_id[j][0] = (llama_seq_id) s;
            batch.logits[j] = 1;
            seq.batch_index = j;
            seq.n_past++;
        }
        if (batch.n_tokens > 0) {
            const int32_t rc = llama_decode(cs.ctx, batch);
            out.n_decode_steps++;
            if (rc == 2 || cs.cancel.load()) break;
            if (rc == 1) {
                for (uint32_t s = 0; s < n_slots; s++) {
                    if (!used[s] || !slots[s].active) continue;
                    slots[s].result.stop = "context_full";
                    finish(s);
                }
            } else if (rc != 0) {
                throw Error("INTERNAL", "llama_decode failed (" + std::to_string(rc) + "): " + last_log_error());
            }
        }
        out.decode_ms += now_ms() - t_step;
    }

    if (cs.cancel.load()) {
        out.cancelled = true;
        for (uint32_t s = 0; s < n_slots; s++) {
            if (!used[s]) continue;
            if (slots[s].result.stop.empty()) slots[s].result.stop = "cancelled";
            finish(s);
        }
    }
    return out;
}

} // namespace

int32_t RequestQueue::push(std::vector<SeqRequest> reqs) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) throw Error("INTERNAL", "the decode takes no more windows: its input was closed");
    const int32_t first = next_;
    for (auto & r : reqs) pending_.emplace_back(next_++, std::move(r));
    cv_.notify_all();
    return first;
}

void RequestQueue::close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
}

bool RequestQueue::closed() {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
}

std::optional<std::pair<int32_t, SeqRequest>> RequestQueue::pop(bool wait, const std::atomic<bool> & cancel) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        if (!pending_.empty()) {
            auto item = std::move(pending_.front());
            pending_.pop_front();
            return item;
        }
        if (!wait || closed_ || cancel.load()) return std::nullopt;
        // a cancel sets a flag and notifies nobody: look at it now and then
        cv_.wait_for(lock, std::chrono::milliseconds(20));
    }
}

GenerateResult generate(ContextState & cs, std::vector<SeqRequest> requests, const GenerateParams & params,
                        const PieceFn & on_piece) {
    if (requests.empty()) throw Error("AUDIO_BAD_FORMAT", "no windows to decode");
    if (requests.size() > cs.params.n_seq_max) {
        throw Error("CONTEXT_OVERFLOW", std::to_string(requests.size()) + " windows but the context was created for " +
                                            std::to_string(cs.params.n_seq_max) + " parallel sequences");
    }
    const size_t n = requests.size();
    RequestQueue queue;
    queue.push(std::move(requests));
    queue.close();
    std::vector<SeqResult> results(n);
    std::vector<bool> done(n, false);
    GenerateResult out = run_slots(cs, queue, params, on_piece, [&](int32_t i, SeqResult && r) {
        results[(size_t) i] = std::move(r);
        done[(size_t) i] = true;
    });
    for (size_t i = 0; i < n; i++) {
        if (!done[i]) results[i].stop = "cancelled";
    }
    out.seqs = std::move(results);
    return out;
}

GenerateResult generate_stream(ContextState & cs, RequestQueue & queue, const GenerateParams & params,
                               const PieceFn & on_piece, const SeqDoneFn & on_done) {
    return run_slots(cs, queue, params, on_piece, on_done);
}

} // namespace rs
