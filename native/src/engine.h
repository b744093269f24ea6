// Voxtral inference over llama.cpp + libmtmd, free of Node-API so that it can be reasoned about (and called) on
// worker threads only. addon.cpp owns the JavaScript side.
#pragma once

#include "ggml-backend.h"
#include "llama.h"
#include "mtmd.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rs {

// An error whose code is one of common/errors.ts ERROR_CODES.
struct Error : std::runtime_error {
    std::string code;
    Error(std::string code_, const std::string & message) : std::runtime_error(message), code(std::move(code_)) {}
};

// Last error-level line llama.cpp/mtmd logged on this thread (their C API reports failures as nullptr only).
std::string last_log_error();
void clear_log_error();
void record_log_error(const char * text);

class RequestQueue;

struct LoadParams {
    std::string model_path;
    std::string mmproj_path;
    int32_t n_gpu_layers  = 0;
    bool    use_mmap      = true;
    bool    mmproj_gpu    = true;
    int32_t n_threads     = 4;
    int32_t audio_avgpool = 0;  // see mtmd_context_params::audio_avgpool (patch 0002)
    int32_t flash_attn    = -1; // llama_flash_attn_type, for the audio encoder
    bool    warmup        = true;
    int32_t encoder_bf16  = -1; // encoder's F16 matmul weights as BF16 (patch 0005): -1 = where the CPU runs the
                                // encoder with a native BF16 dot product, 0 = never, 1 = always
};

struct ControlTokens {
    llama_token bos = -1, eos = -1, inst = -1, inst_end = -1, begin_audio = -1, transcribe = -1;
};

struct ModelState {
    llama_model *  model = nullptr;
    mtmd_context * mtmd  = nullptr;
    std::mutex     mtmd_mutex; // mtmd encode/eval helpers are not thread-safe
    std::atomic<int> active_decodes{ 0 }; // decodes of its contexts accepted and not yet delivered (addon.cpp)
    ControlTokens  tokens;
    LoadParams     params;
    int32_t        audio_tokens_per_30s = 0;
    bool           encoder_bf16 = false; // the encoder's matmul weights were converted to BF16 at load
    ~ModelState();
};

struct ContextParams {
    uint32_t n_ctx           = 4096;
    uint32_t n_batch         = 512;
    uint32_t n_ubatch        = 512;
    uint32_t n_seq_max       = 1;
    int32_t  type_k          = 1; // ggml_type
    int32_t  type_v          = 1;
    int32_t  flash_attn      = -1; // llama_flash_attn_type
    int32_t  n_threads       = 4;
    int32_t  n_threads_batch = 4;
    bool     kv_unified      = false;
};

struct ContextState {
    std::shared_ptr<ModelState> model;
    llama_context *             ctx = nullptr;
    ContextParams               params;
    std::atomic<bool>           cancel{ false };
    // The call that holds the context, from acceptance until its result is delivered (addon.cpp), or nullptr.
    std::atomic<const char *>   busy_with{ nullptr };
    // The input of the streaming generate holding the context (JS thread only), or nullptr.
    std::shared_ptr<RequestQueue> queue;
    ~ContextState();
};

struct SeqRequest {
    std::string              prompt; // contains the media marker where the audio goes (or none)
    std::vector<float>       pcm;    // 16 kHz mono; empty = text only
    std::vector<llama_token> forced; // teacher-forced continuation (evaluate mode)
    // Resume inside a window: after the forced tokens, go on decoding greedily as if they had been chosen.
    bool                     continue_after_forced = false;
    float                    repetition_penalty = 1.0f; // > 1 penalises tokens already generated in this window
    int32_t                  max_tokens = -1; // this window's own cap; -1 = GenerateParams::max_tokens
};

struct GenerateParams {
    int32_t max_tokens     = 256;
    bool    capture_logits = false; // keep the full logits row of every step
};

struct SeqResult {
    std::vector<llama_token> tokens;
    std::string              text;
    std::string              stop; // eos | max_tokens | cancelled | context_full | forced_end
    int32_t                  n_prompt_tokens = 0;
    int32_t                  n_audio_tokens  = 0;
    std::vector<float>       logits; // rows × n_vocab when capture_logits
    int32_t                  n_logit_rows = 0;
};

struct GenerateResult {
    std::vector<SeqResult> seqs;
    double                 encode_ms  = 0;
    double                 prefill_ms = 0;       // text chunks + audio embeddings through the decoder
    double                 audio_prefill_ms = 0; // the audio embeddings' share of prefill_ms
    double                 decode_ms  = 0;
    int32_t                n_prefill_tokens = 0;
    int32_t                n_decode_steps   = 0;
    int32_t                n_decoded_tokens = 0;
    int32_t                n_forced_tokens  = 0; // of n_decoded_tokens: given, not chosen (teacher forcing)
    double                 tokenize_ms      = 0; // mtmd_tokenize (the log-mel spectrogram), on either thread
    double                 tokenize_wait_ms = 0; // of which the decode thread waited for (not done ahead)
    double                 idle_ms     = 0; // no sequence to decode: waiting for the caller's next window
    int32_t                n_windows   = 0; // windows admitted into a slot
    bool                   cancelled        = false;
};

// Windows for continuous batching: the caller pushes requests (from any thread) while generate_stream decodes; each
// takes the next free slot of the context. Indices count from 0 in push order.
class RequestQueue {
  public:
    // Returns the first index given to `reqs`; throws INTERNAL once closed.
    int32_t push(std::vector<SeqRequest> reqs);
    void    close();
    bool    closed();
    // The next request, or nothing: at once when `wait` is false, else once one arrives or the queue is closed and
    // empty (or `cancel` is set).
    std::optional<std::pair<int32_t, SeqRequest>> pop(bool wait, const std::atomic<bool> & cancel);

  private:
    std::mutex                                  mu_;
    std::condition_variable                     cv_;
    std::deque<std::pair<int32_t, SeqRequest>> pending_;
    int32_t                                     next_ = 0;
    bool                                        closed_ = false;
};

using ProgressFn = std::function<void(double)>;
using PieceFn    = std::function<void(int32_t seq, llama_token token, const std::string & text)>;
using SeqDoneFn  = std::function<void(int32_t seq, SeqResult && result)>;

// ---- KV cache support guard ---------------------------------------------------------------------------------
// A backend without kernels for a cache type makes llama.cpp abort while it creates the context (ggml-backend's
// "pre-allocated tensor in a buffer that cannot run the operation"), so the ops the cache needs are asked of each
// device first, with ggml_backend_dev_supports_op on tensors of the real shapes in a no_alloc context.

struct KvShape {
    int64_t head_dim_k = 128; // Voxtral-Mini's decoder: what the advisor asks about before a model is loaded
    int64_t head_dim_v = 128;
    int64_t n_head     = 32;
    int64_t n_head_kv  = 8;
};

struct KvOpsQuery {
    int32_t  type_k     = 1; // ggml_type
    int32_t  type_v     = 1;
    KvShape  shape;
    int32_t  flash_attn = 1; // llama_flash_attn_type: -1 auto, 0 off, 1 on
    uint32_t n_ubatch   = 512;
    uint32_t n_stream   = 1; // cache streams: n_seq_max unless the cache is unified
};

// The first op the cache needs that a device does not run.
struct KvUnsupported {
    std::string device;
    std::string op;   // ggml op name: SET_ROWS, FLASH_ATTN_EXT, MUL_MAT, CPY
    std::string type; // the cache type concerned (ggml's name)
    std::string role; // what the op is for, e.g. "writing the K cache"
    std::string message() const;
};

// Throws KV_TYPE_UNSUPPORTED when the types or the shape can never work (unknown type, blocks that do not divide
// the head size, a quantized V cache without flash attention): building ops from them would trip ggml's asserts.
void validate_kv_query(const KvOpsQuery & q);
// Nothing when `dev` runs every op a cache of these types needs; call validate_kv_query first.
std::optional<KvUnsupported> kv_unsupported_op(ggml_backend_dev_t dev, const KvOpsQuery & q);
// The devices llama.cpp puts the KV cache on for this model (each layer's device: offload_kqv is on).
std::vector<ggml_backend_dev_t> kv_cache_devices(const ModelState & ms);
// Tests only: make the guard's supports_op answer false on `device` for every op that reads or writes ggml type
// `type` (the query result is all that changes), so the no-abort path can be proven on the CPU backend. Empty clears.
void set_kv_support_override(std::vector<std::pair<std::string, int32_t>> rules);

void backend_init();
// `cancel` (may be null) stops a load at its next progress report (CANCELLED).
std::shared_ptr<ModelState>   load_model(const LoadParams & params, const ProgressFn & progress,
                                         const std::atomic<bool> * cancel = nullptr);
std::shared_ptr<ContextState> create_context(const std::shared_ptr<ModelState> & model, const ContextParams & params);
// All requests at once, one slot each (at most n_seq_max); results in request order.
GenerateResult generate(ContextState & cs, std::vector<SeqRequest> requests, const GenerateParams & params,
                        const PieceFn & on_piece);
// Continuous batching: up to n_seq_max windows decode side by side, each stops at its own EOS or cap and its slot
// takes the next queued window (encoded and prefilled while the others wait one step), until the queue is closed
// and empty. Each result goes to `on_done` as its window finishes (pieces and results carry the queue index); the
// returned GenerateResult has the timings only. The next queued window's log-mel is computed on a second thread
// while the slots decode.
GenerateResult generate_stream(ContextState & cs, RequestQueue & queue, const GenerateParams & params,
                               const PieceFn & on_piece, const SeqDoneFn & on_done);
std::vector<llama_token> tokenize(const ModelState & ms, const std::string & text, bool add_special, bool parse_special);
std::string token_piece(const ModelState & ms, llama_token token, bool special);

} // namespace rs
