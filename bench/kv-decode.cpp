// Decode speed at depth for several KV cache types, in one process: fill the cache to `depth` tokens with many
// threads (prefill is not what is measured here), then time single-token decode steps with the decode thread count.
// Prints the KV cache size as llama.cpp allocated it (from its log line) and one "KV" line per configuration.
//
// usage: kv-decode MODEL DEPTH[,DEPTH...] TYPEK:TYPEV[,...] [decode_threads=2] [batch_threads=nproc] [n_decode=16]
#include "llama.h"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

static std::string g_kv_line;

static void log_cb(ggml_log_level level, const char * text, void *) {
    if (strstr(text, "llama_kv_cache: size =") || strstr(text, "llama_kv_cache: size=")) {
        g_kv_line = text;
    }
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

static ggml_type type_from_name(const std::string & s) {
    for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
        const char * n = ggml_type_name((ggml_type) t);
        if (n && s == n) {
            return (ggml_type) t;
        }
    }
    fprintf(stderr, "unknown type %s\n", s.c_str());
    exit(2);
}

static std::vector<std::string> split(const std::string & s, char sep) {
    std::vector<std::string> out;
    size_t p = 0;
    while (true) {
        size_t q = s.find(sep, p);
        out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
        if (q == std::string::npos) {
            break;
        }
        p = q + 1;
    }
    return out;
}

int main(int argc, char ** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL DEPTHS TYPEK:TYPEV[,...] [decode_threads] [batch_threads] [n_decode]\n", argv[0]);
        return 2;
    }
    const char * model_path = argv[1];
    const auto depths = split(argv[2], ',');
    const auto pairs  = split(argv[3], ',');
    const int n_thr   = argc > 4 ? atoi(argv[4]) : 2;
    const int n_thr_b = argc > 5 ? atoi(argv[5]) : (int) std::thread::hardware_concurrency();
    const int n_dec   = argc > 6 ? atoi(argv[6]) : 16;

    llama_log_set(log_cb, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(model_path, mp);
    if (!model) {
        fprintf(stderr, "failed to load %s\n", model_path);
        return 1;
    }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    for (const auto & ds : depths) {
        const int depth = atoi(ds.c_str());
        for (const auto & pr : pairs) {
            const auto kv = split(pr, ':');
            llama_context_params cp = llama_context_default_params();
            cp.n_ctx           = depth + n_dec + 64;
            cp.n_batch         = 2048;
            cp.n_ubatch        = 512;
            cp.type_k          = type_from_name(kv[0]);
            cp.type_v          = type_from_name(kv.size() > 1 ? kv[1] : kv[0]);
            cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
            cp.n_threads       = n_thr;
            cp.n_threads_batch = n_thr_b;
            cp.no_perf         = true;
            g_kv_line.clear();
            llama_context * ctx = llama_init_from_model(model, cp);
            if (!ctx) {
                printf("KV depth=%d k=%s v=%s FAILED to create context\n", depth, kv[0].c_str(), kv[1].c_str());
                continue;
            }

            // deterministic pseudo-random tokens
            std::vector<llama_token> toks(depth);
            uint32_t s = 12345;
            for (auto & t : toks) {
                s = s*1664525u + 1013904223u;
                t = 1000 + (int) (s % (uint32_t) (n_vocab - 1000));
            }
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < depth; i += 2048) {
                const int n = std::min(2048, depth - i);
                if (llama_decode(ctx, llama_batch_get_one(toks.data() + i, n)) != 0) {
                    fprintf(stderr, "prefill failed\n");
                    return 1;
                }
            }
            const double t_pp = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

            llama_token tok = 1000;
            // one untimed step so the decode graph is built and warm
            llama_decode(ctx, llama_batch_get_one(&tok, 1));
            const auto t1 = std::chrono::steady_clock::now();
            const std::clock_t c1 = std::clock();
            for (int i = 0; i < n_dec; ++i) {
                tok = 1000 + (tok*7 + i) % 5000;
                if (llama_decode(ctx, llama_batch_get_one(&tok, 1)) != 0) {
                    fprintf(stderr, "decode failed\n");
                    return 1;
                }
            }
            const double t_tg = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
            // process CPU time per decoded token: on a shared machine (and with 1 decode thread, which never
            // spin-waits) it tracks the work done better than wall time
            const double cpu_ms = 1000.0*(double) (std::clock() - c1)/CLOCKS_PER_SEC/n_dec;

            std::string kvl = g_kv_line;
            while (!kvl.empty() && (kvl.back() == '\n' || kvl.back() == ' ')) {
                kvl.pop_back();
            }
            printf("KV depth=%d k=%s v=%s prefill_tok_s %.2f decode_tok_s %.3f cpu_ms_per_token %.1f threads=%d batch_threads=%d | %s\n",
                   depth, kv[0].c_str(), kv.size() > 1 ? kv[1].c_str() : kv[0].c_str(), depth/t_pp, n_dec/t_tg, cpu_ms,
                   n_thr, n_thr_b, kvl.c_str());
            fflush(stdout);
            llama_free(ctx);
        }
    }
    llama_model_free(model);
    return 0;
}
