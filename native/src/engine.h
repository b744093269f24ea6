// Voxtral inference over llama.cpp + libmtmd, free of Node-API so that it can be reasoned about (and called) on
// worker threads only. addon.cpp owns the JavaScript side.
#pragma once

#include "llama.h"
#include "mtmd.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
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
    ~ContextState();
};

struct SeqRequest {
    std::string              prompt; // contains the media marker where the audio goes (or none)
    std::vector<float>       pcm;    // 16 kHz mono; empty = text only
    std::vector<llama_token> forced; // teacher-forced continuation (evaluate mode)
    // Resume inside a window: after the forced tokens, go on decoding greedily as if they had been chosen.
    bool                     continue_after_forced = false;
    float                    repetition_penalty = 1.0f; // > 1 penalises tokens already generated in this window
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
    bool                   cancelled        = false;
};

using ProgressFn = std::function<void(double)>;
using PieceFn    = std::function<void(int32_t seq, llama_token token, const std::string & text)>;

void backend_init();
// `cancel` (may be null) stops a load at its next progress report (CANCELLED).
std::shared_ptr<ModelState>   load_model(const LoadParams & params, const ProgressFn & progress,
                                         const std::atomic<bool> * cancel = nullptr);
std::shared_ptr<ContextState> create_context(const std::shared_ptr<ModelState> & model, const ContextParams & params);
GenerateResult generate(ContextState & cs, const std::vector<SeqRequest> & requests, const GenerateParams & params,
                        const PieceFn & on_piece);
std::vector<llama_token> tokenize(const ModelState & ms, const std::string & text, bool add_special, bool parse_special);
std::string token_piece(const ModelState & ms, llama_token token, bool special);

} // namespace rs
