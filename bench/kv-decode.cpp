// Decode speed at depth for several KV cache types, in one process, over the (patched) llama.cpp API.
//
// The cache is brought to `depth` cells in one of two ways:
//   synth   — build the sequence-state blob that llama_state_seq_get_data would produce for `depth` cells (positions
//             0..depth-1 of sequence 0) with Gaussian K/V rows quantized to the context's types by
//             ggml_quantize_chunk, and load it with llama_state_seq_set_data. Seconds at any depth.
//   prefill — a real prefill of `depth` tokens with the batch thread count (quadratic on the CPU for quantized types).
// Then one untimed and `n_decode` timed single-token decode steps run with the decode thread count (greedy tokens).
//
// Why synth is a valid way to time decode: the decode graph and its kernels do the same work for any cached values —
// the attention kernels read every cell of every layer and have no data-dependent branches besides the mask (and the
// online softmax's rescale on a new maximum, O(log n) times for exchangeable scores). Synth says nothing about
// quality. `--fill both` times both fills in the same context as a cross-check.
//
// The blob layout is not hard-coded from reading the source alone: every context first prefills a few real tokens,
// the blob llama.cpp writes for them is parsed (and must be consumed exactly), re-serialised by our writer and compared
// byte for byte; only then is the synthetic blob written with the same per-layer types and row sizes.
//
// Output, one line each (key=value fields):
//   KV      per (depth, pair): row bytes per token from the state blob and the cache size llama.cpp logged
//   DECODE  per (depth, pair, fill): decode tok/s
//   XCHECK  per (depth, pair) with --fill both: synth / prefill decode speed
//   PREFILL per pair with --prefill N: real prefill of N tokens from an empty cache
// usage: kv-decode MODEL [--depths D,...|none] [--pairs K:V,...] [--fill synth|prefill|both] [--threads N]
//                        [--batch-threads N] [--n-decode N] [--prefill N] [--prefill-threads N] [--seed S]
#include "ggml-backend.h"
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

static std::string g_kv_line;
static int         g_attn_rot_k = -1;

static void log_cb(ggml_log_level level, const char * text, void *) {
    if (strstr(text, "llama_kv_cache: size =") || strstr(text, "llama_kv_cache: size=")) {
        g_kv_line = text;
    }
    if (const char * p = strstr(text, "attn_rot_k = ")) {
        g_attn_rot_k = atoi(p + strlen("attn_rot_k = "));
    }
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

static bool type_from_name(const std::string & s, ggml_type & out) {
    for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
        const char * n = ggml_type_name((ggml_type) t);
        if (n && s == n) {
            out = (ggml_type) t;
            return true;
        }
    }
    return false;
}

static std::vector<std::string> split(const std::string & s, char sep) {
    std::vector<std::string> out;
    size_t p = 0;
    while (true) {
        const size_t q = s.find(sep, p);
        out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
        if (q == std::string::npos) {
            break;
        }
        p = q + 1;
    }
    return out;
}

// ---- sequence state blob ---------------------------------------------------------------------------------------
// llama_state_seq_get_data (llama-context.cpp state_seq_get_data + llama_kv_cache::state_write):
//   u32 magic, i32 seq_id, u32 n_stream, then per stream: u32 cell_count; if > 0:
//     per cell: i32 pos, u32 n_seq_id, i32 seq_id[n_seq_id]          (state_write_meta; no cell ext for Voxtral)
//     u32 v_trans, u32 n_layer, per layer K: i32 type, u64 row bytes, rows; then V likewise (v_trans 0)
struct layer_rows {
    int32_t  type;
    uint64_t row;
};

struct state_layout {
    uint32_t magic    = 0;
    int32_t  seq_id   = 0;
    uint32_t n_stream = 0;
    uint32_t stream   = 0; // the stream that holds the sequence's cells
    uint32_t v_trans  = 0;
    std::vector<layer_rows> k, v;

    uint64_t bytes_per_cell(bool want_v) const {
        uint64_t n = 0;
        for (const auto & l : want_v ? v : k) {
            n += l.row;
        }
        return n;
    }
};

struct reader {
    const uint8_t * p;
    size_t          n;
    size_t          off = 0;
    bool            ok  = true;

    template <typename T> T get() {
        T v{};
        if (off + sizeof(T) > n) {
            ok = false;
            return v;
        }
        memcpy(&v, p + off, sizeof(T));
        off += sizeof(T);
        return v;
    }
    const uint8_t * skip(uint64_t bytes) {
        if (off + bytes > n) {
            ok = false;
            return nullptr;
        }
        const uint8_t * r = p + off;
        off += bytes;
        return r;
    }
};

// Parses a blob of one sequence; rows_k/rows_v[layer] point at that layer's cell rows inside the blob.
static std::string parse_state(const std::vector<uint8_t> & blob, state_layout & L, uint32_t & cell_count,
                               std::vector<const uint8_t *> & rows_k, std::vector<const uint8_t *> & rows_v) {
    reader r{ blob.data(), blob.size() };
    L.magic    = r.get<uint32_t>();
    L.seq_id   = r.get<int32_t>();
    L.n_stream = r.get<uint32_t>();
    if (!r.ok || L.n_stream == 0 || L.n_stream > 64) {
        return "bad header";
    }
    bool found = false;
    for (uint32_t s = 0; s < L.n_stream; ++s) {
        const uint32_t cc = r.get<uint32_t>();
        if (!r.ok) {
            return "truncated stream header";
        }
        if (cc == 0) {
            continue;
        }
        if (found) {
            return "sequence cells in more than one stream";
        }
        found      = true;
        L.stream   = s;
        cell_count = cc;
        for (uint32_t i = 0; i < cc; ++i) {
            const int32_t  pos = r.get<int32_t>();
            const uint32_t nsq = r.get<uint32_t>();
            if (!r.ok || nsq != 1 || pos != (int32_t) i) {
                return "unexpected cell metadata (cell ext, several sequences or non-contiguous positions)";
            }
            r.get<int32_t>();
        }
        L.v_trans = r.get<uint32_t>();
        const uint32_t n_layer = r.get<uint32_t>();
        if (!r.ok || L.v_trans != 0 || n_layer == 0 || n_layer > 1024) {
            return "unexpected v_trans / n_layer (flash attention must be on)";
        }
        for (int pass = 0; pass < 2; ++pass) {
            auto & ls   = pass ? L.v : L.k;
            auto & rows = pass ? rows_v : rows_k;
            ls.clear();
            rows.clear();
            for (uint32_t il = 0; il < n_layer; ++il) {
                layer_rows lr;
                lr.type = r.get<int32_t>();
                lr.row  = r.get<uint64_t>();
                if (!r.ok || lr.type < 0 || lr.type >= GGML_TYPE_COUNT || lr.row == 0) {
                    return "bad layer header";
                }
                const uint8_t * d = r.skip(lr.row*cc);
                if (!d) {
                    return "truncated rows";
                }
                ls.push_back(lr);
                rows.push_back(d);
            }
        }
    }
    if (!found) {
        return "no cells";
    }
    if (r.off != blob.size()) {
        return "trailing bytes: " + std::to_string(blob.size() - r.off);
    }
    return "";
}

struct state_blob {
    std::unique_ptr<uint8_t[]> data; // not zero-initialised: every byte is written (GBs at 32k for f16)
    size_t                     size = 0;
};

// row(il, is_v, cell) -> pointer to that cell's row bytes
template <typename RowFn>
static state_blob write_state(const state_layout & L, uint32_t cell_count, RowFn row) {
    const size_t n_layer = L.k.size();
    size_t total = 4 + 4 + 4 + 4*(size_t) L.n_stream + (size_t) cell_count*12 + 8;
    for (size_t il = 0; il < n_layer; ++il) {
        total += 12 + L.k[il].row*cell_count + 12 + L.v[il].row*cell_count;
    }
    state_blob out;
    out.data.reset(new uint8_t[total]);
    out.size = total;
    size_t off = 0;
    auto put = [&](const void * src, size_t n) {
        memcpy(out.data.get() + off, src, n);
        off += n;
    };
    put(&L.magic, 4);
    put(&L.seq_id, 4);
    put(&L.n_stream, 4);
    for (uint32_t s = 0; s < L.n_stream; ++s) {
        const uint32_t cc = s == L.stream ? cell_count : 0;
        put(&cc, 4);
        if (cc == 0) {
            continue;
        }
        const uint32_t one = 1;
        const int32_t  seq = 0;
        for (uint32_t i = 0; i < cc; ++i) {
            const int32_t pos = (int32_t) i;
            put(&pos, 4);
            put(&one, 4);
            put(&seq, 4);
        }
        const uint32_t nl = (uint32_t) n_layer;
        put(&L.v_trans, 4);
        put(&nl, 4);
        for (int pass = 0; pass < 2; ++pass) {
            const auto & ls = pass ? L.v : L.k;
            for (size_t il = 0; il < n_layer; ++il) {
                put(&ls[il].type, 4);
                put(&ls[il].row, 8);
                for (uint32_t i = 0; i < cc; ++i) {
                    put(row(il, pass == 1, i), ls[il].row);
                }
            }
        }
    }
    if (off != total) {
        fprintf(stderr, "internal: state size %zu != %zu\n", off, total);
        exit(1);
    }
    return out;
}

static std::vector<uint8_t> get_state(llama_context * ctx) {
    std::vector<uint8_t> blob(llama_state_seq_get_size(ctx, 0));
    const size_t n = llama_state_seq_get_data(ctx, blob.data(), blob.size(), 0);
    blob.resize(n);
    return blob;
}

// RMS of the dequantized rows (all layers of K or of V) of a parsed blob
static double rows_rms(const state_layout & L, bool want_v, uint32_t cell_count, const std::vector<const uint8_t *> & rows) {
    const auto & ls = want_v ? L.v : L.k;
    double ss = 0;
    size_t n  = 0;
    for (size_t il = 0; il < ls.size(); ++il) {
        const ggml_type t   = (ggml_type) ls[il].type;
        const int64_t   nel = (int64_t) (ls[il].row/ggml_type_size(t))*ggml_blck_size(t);
        const auto *    tt  = ggml_get_type_traits(t);
        std::vector<float> f(nel);
        for (uint32_t c = 0; c < cell_count; ++c) {
            const uint8_t * src = rows[il] + (size_t) c*ls[il].row;
            if (t == GGML_TYPE_F32) {
                memcpy(f.data(), src, nel*sizeof(float));
            } else if (tt->to_float) {
                tt->to_float(src, f.data(), nel);
            } else {
                return 0;
            }
            for (float x : f) {
                ss += (double) x*x;
            }
            n += nel;
        }
    }
    return n ? std::sqrt(ss/n) : 0;
}

// ---- run --------------------------------------------------------------------------------------------------------
struct options {
    std::string model;
    std::vector<int> depths = { 4096 };
    std::vector<std::pair<std::string, std::string>> pairs = { { "f16", "f16" } };
    std::string fill   = "synth";
    int n_thr          = 2;
    int n_thr_b        = (int) std::thread::hardware_concurrency();
    int n_dec          = 16;
    int n_prefill      = 0;
    int n_thr_prefill  = -1; // default: decode threads
    uint64_t seed      = 1;
};

static void usage(const char * argv0) {
    fprintf(stderr,
            "usage: %s MODEL [--depths D,...|none] [--pairs K:V,...] [--fill synth|prefill|both] [--threads N]\n"
            "          [--batch-threads N] [--n-decode N] [--prefill N] [--prefill-threads N] [--seed S]\n",
            argv0);
}

static bool parse_args(int argc, char ** argv, options & o) {
    if (argc < 2 || argv[1][0] == '-') {
        return false;
    }
    o.model = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "%s needs a value\n", a.c_str());
            return false;
        }
        const std::string v = argv[++i];
        if (a == "--depths") {
            o.depths.clear();
            // "none": only the --prefill figures
            for (const auto & d : v == "none" ? std::vector<std::string>() : split(v, ',')) {
                o.depths.push_back(atoi(d.c_str()));
                if (o.depths.back() <= 0) {
                    fprintf(stderr, "bad depth %s\n", d.c_str());
                    return false;
                }
            }
        } else if (a == "--pairs") {
            o.pairs.clear();
            for (const auto & p : split(v, ',')) {
                const auto kv = split(p, ':');
                o.pairs.emplace_back(kv[0], kv.size() > 1 ? kv[1] : kv[0]);
            }
        } else if (a == "--fill") {
            o.fill = v;
            if (v != "synth" && v != "prefill" && v != "both") {
                fprintf(stderr, "--fill synth|prefill|both\n");
                return false;
            }
        } else if (a == "--threads") {
            o.n_thr = atoi(v.c_str());
        } else if (a == "--batch-threads") {
            o.n_thr_b = atoi(v.c_str());
        } else if (a == "--n-decode") {
            o.n_dec = atoi(v.c_str());
        } else if (a == "--prefill") {
            o.n_prefill = atoi(v.c_str());
        } else if (a == "--prefill-threads") {
            o.n_thr_prefill = atoi(v.c_str());
        } else if (a == "--seed") {
            o.seed = strtoull(v.c_str(), nullptr, 10);
        } else {
            fprintf(stderr, "unknown option %s\n", a.c_str());
            return false;
        }
    }
    if (o.n_thr < 1 || o.n_thr_b < 1 || o.n_dec < 1) {
        fprintf(stderr, "thread counts and --n-decode must be >= 1\n");
        return false;
    }
    if (o.n_thr_prefill < 1) {
        o.n_thr_prefill = o.n_thr;
    }
    return true;
}

static double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

static std::vector<llama_token> filler_tokens(int n, int n_vocab, uint32_t s) {
    // deterministic pseudo-random ordinary tokens (clear of the special ids at the start of the vocabulary)
    const int lo = std::min(1000, n_vocab/2);
    std::vector<llama_token> toks(n);
    for (auto & t : toks) {
        s = s*1664525u + 1013904223u;
        t = lo + (int) ((s >> 8) % (uint32_t) (n_vocab - lo));
    }
    return toks;
}

static bool prefill(llama_context * ctx, const std::vector<llama_token> & toks, int n_batch) {
    for (size_t i = 0; i < toks.size(); i += n_batch) {
        const int n = (int) std::min<size_t>(n_batch, toks.size() - i);
        if (llama_decode(ctx, llama_batch_get_one(const_cast<llama_token *>(toks.data()) + i, n)) != 0) {
            return false;
        }
    }
    return true;
}

static llama_token argmax_last(llama_context * ctx, int n_vocab, bool & finite) {
    const float * lg = llama_get_logits_ith(ctx, -1);
    llama_token best = 0;
    for (int i = 0; i < n_vocab; ++i) {
        if (!std::isfinite(lg[i])) {
            finite = false;
        }
        if (lg[i] > lg[best]) {
            best = i;
        }
    }
    return best;
}

struct decode_result {
    bool   ok = false;
    double tok_s = 0, ms_median = 0, cpu_ms = 0;
    bool   finite = true;
    std::vector<llama_token> toks;
};

// one untimed step (graph built, caches warm), then n_dec timed greedy steps
static decode_result time_decode(llama_context * ctx, int n_vocab, int n_dec) {
    decode_result r;
    // the fill leaves no logits behind (a state load computes none), so the first token is fixed
    llama_token tok = std::min(1000, n_vocab/2);
    if (llama_decode(ctx, llama_batch_get_one(&tok, 1)) != 0) {
        return r;
    }
    tok = argmax_last(ctx, n_vocab, r.finite);
    std::vector<double> ms;
    const auto    t0 = std::chrono::steady_clock::now();
    const clock_t c0 = std::clock();
    for (int i = 0; i < n_dec; ++i) {
        const auto ts = std::chrono::steady_clock::now();
        if (llama_decode(ctx, llama_batch_get_one(&tok, 1)) != 0) {
            return r;
        }
        ms.push_back(1000.0*seconds_since(ts));
        tok = argmax_last(ctx, n_vocab, r.finite);
        r.toks.push_back(tok);
    }
    r.tok_s = n_dec/seconds_since(t0);
    // process CPU time per token: on a shared machine it tracks the work better than wall time (with 2+ threads it
    // includes spin-waiting)
    r.cpu_ms = 1000.0*(double) (std::clock() - c0)/CLOCKS_PER_SEC/n_dec;
    std::sort(ms.begin(), ms.end());
    r.ms_median = ms[ms.size()/2];
    r.ok = true;
    return r;
}

static std::string trimmed_kv_line() {
    std::string s = g_kv_line;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    const size_t p = s.find("size =");
    return p == std::string::npos ? s : s.substr(p);
}

static double kv_line_mib() {
    const size_t p = g_kv_line.find("size =");
    return p == std::string::npos ? -1 : atof(g_kv_line.c_str() + p + strlen("size ="));
}

// Gaussian rows quantized to each layer's type; a pool of distinct rows is tiled over the cells (decode reads every
// cell's bytes from its own address either way, so the repetition does not change the work)
struct synth_pool {
    std::vector<std::vector<uint8_t>> k, v; // per layer: pool_rows * row bytes
    uint32_t rows = 0;
};

static synth_pool make_pool(const state_layout & L, uint32_t pool_rows, double sk, double sv, uint64_t seed) {
    synth_pool P;
    P.rows = pool_rows;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (int pass = 0; pass < 2; ++pass) {
        const auto & ls  = pass ? L.v : L.k;
        auto &       dst = pass ? P.v : P.k;
        const float  sc  = (float) (pass ? sv : sk);
        for (const auto & lr : ls) {
            const ggml_type t   = (ggml_type) lr.type;
            const int64_t   nel = (int64_t) (lr.row/ggml_type_size(t))*ggml_blck_size(t);
            std::vector<float> f((size_t) nel*pool_rows);
            for (auto & x : f) {
                x = sc*nd(rng);
            }
            std::vector<uint8_t> q(lr.row*pool_rows);
            const size_t wrote = ggml_quantize_chunk(t, f.data(), q.data(), 0, pool_rows, nel, nullptr);
            if (wrote != q.size()) {
                fprintf(stderr, "ggml_quantize_chunk(%s) wrote %zu bytes, expected %zu\n", ggml_type_name(t), wrote, q.size());
                exit(1);
            }
            dst.push_back(std::move(q));
        }
    }
    return P;
}

int main(int argc, char ** argv) {
    options o;
    if (!parse_args(argc, argv, o)) {
        usage(argv[0]);
        return 2;
    }
    std::vector<std::pair<ggml_type, ggml_type>> types;
    for (const auto & p : o.pairs) {
        ggml_type tk, tv;
        if (!type_from_name(p.first, tk) || !type_from_name(p.second, tv)) {
            fprintf(stderr, "unknown cache type in %s:%s\n", p.first.c_str(), p.second.c_str());
            return 2;
        }
        types.emplace_back(tk, tv);
    }

    llama_log_set(log_cb, nullptr);
    // a GGML_BACKEND_DL build has its backends as modules beside the executable (a no-op when they are linked in)
    ggml_backend_load_all();
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(o.model.c_str(), mp);
    if (!model) {
        fprintf(stderr, "failed to load %s\n", o.model.c_str());
        return 1;
    }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    const int n_probe = 16;
    const int n_batch = 2048;
    int failures = 0;

    auto make_ctx = [&](int n_ctx, ggml_type tk, ggml_type tv, int n_thr_batch) {
        llama_context_params cp = llama_context_default_params();
        cp.n_ctx           = n_ctx;
        cp.n_batch         = n_batch;
        cp.n_ubatch        = 512;
        cp.n_seq_max       = 1;
        cp.type_k          = tk;
        cp.type_v          = tv;
        cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
        cp.n_threads       = o.n_thr;
        cp.n_threads_batch = n_thr_batch;
        cp.no_perf         = true;
        g_kv_line.clear();
        g_attn_rot_k = -1;
        return llama_init_from_model(model, cp);
    };

    // real prefill of a fixed-size prompt from an empty cache, per pair
    if (o.n_prefill > 0) {
        for (size_t ip = 0; ip < types.size(); ++ip) {
            const char * nk = o.pairs[ip].first.c_str();
            const char * nv = o.pairs[ip].second.c_str();
            llama_context * ctx = make_ctx(o.n_prefill + 64, types[ip].first, types[ip].second, o.n_thr_prefill);
            if (!ctx) {
                printf("PREFILL k=%s v=%s status=FAILED_context\n", nk, nv);
                ++failures;
                continue;
            }
            const auto toks = filler_tokens(o.n_prefill, n_vocab, 777);
            const auto t0   = std::chrono::steady_clock::now();
            const bool ok   = prefill(ctx, toks, n_batch);
            const double s  = seconds_since(t0);
            bool finite = true;
            if (ok) {
                argmax_last(ctx, n_vocab, finite);
            }
            printf("PREFILL k=%s v=%s tokens=%d prefill_tok_s=%.2f seconds=%.2f threads_batch=%d ubatch=512 logits_finite=%d status=%s\n",
                   nk, nv, o.n_prefill, ok ? o.n_prefill/s : 0.0, s, o.n_thr_prefill, finite ? 1 : 0,
                   ok && finite ? "ok" : "FAILED");
            fflush(stdout);
            failures += !(ok && finite);
            llama_free(ctx);
        }
    }

    for (const int depth : o.depths) {
        for (size_t ip = 0; ip < types.size(); ++ip) {
            const char * nk = o.pairs[ip].first.c_str();
            const char * nv = o.pairs[ip].second.c_str();
            llama_context * ctx = make_ctx(depth + o.n_dec + 64, types[ip].first, types[ip].second, o.n_thr_b);
            if (!ctx) {
                printf("KV depth=%d k=%s v=%s status=FAILED_context\n", depth, nk, nv);
                ++failures;
                continue;
            }
            llama_memory_t mem = llama_get_memory(ctx);

            // probe: the blob llama.cpp writes for a few real tokens gives the layout; our writer must reproduce it
            state_layout L;
            uint32_t probe_cells = 0;
            std::vector<const uint8_t *> pk, pv;
            std::string err;
            std::vector<uint8_t> probe_blob;
            if (!prefill(ctx, filler_tokens(n_probe, n_vocab, 4242), n_batch)) {
                err = "probe prefill failed";
            } else {
                probe_blob = get_state(ctx);
                err = parse_state(probe_blob, L, probe_cells, pk, pv);
                if (err.empty() && probe_cells != (uint32_t) n_probe) {
                    err = "probe holds " + std::to_string(probe_cells) + " cells";
                }
                if (err.empty()) {
                    const auto again = write_state(L, probe_cells, [&](size_t il, bool is_v, uint32_t c) {
                        return (is_v ? pv[il] + (size_t) c*L.v[il].row : pk[il] + (size_t) c*L.k[il].row);
                    });
                    if (again.size != probe_blob.size() || memcmp(again.data.get(), probe_blob.data(), again.size) != 0) {
                        err = "our writer does not reproduce llama.cpp's state blob";
                    }
                }
            }
            if (!err.empty()) {
                printf("KV depth=%d k=%s v=%s status=FAILED_layout (%s)\n", depth, nk, nv, err.c_str());
                ++failures;
                llama_free(ctx);
                continue;
            }
            const uint64_t kb = L.bytes_per_cell(false), vb = L.bytes_per_cell(true);
            const int      n_ctx = (int) llama_n_ctx(ctx);
            printf("KV depth=%d k=%s v=%s n_layer=%zu k_bytes_per_token=%llu v_bytes_per_token=%llu bytes_per_token=%llu "
                   "cells=%d alloc_mib=%.2f attn_rot_k=%d format=ok | %s\n",
                   depth, nk, nv, L.k.size(), (unsigned long long) kb, (unsigned long long) vb,
                   (unsigned long long) (kb + vb), n_ctx, kv_line_mib(), g_attn_rot_k, trimmed_kv_line().c_str());
            fflush(stdout);

            double rms_k = rows_rms(L, false, probe_cells, pk);
            double rms_v = rows_rms(L, true, probe_cells, pv);
            probe_blob.clear();
            probe_blob.shrink_to_fit();
            // a zero-filled model writes zero K/V: then take unit variance
            const double sk = rms_k > 1e-3 ? rms_k : 1.0;
            const double sv = rms_v > 1e-3 ? rms_v : 1.0;

            decode_result res[2];
            for (const char * fill : { "synth", "prefill" }) {
                const bool is_synth = strcmp(fill, "synth") == 0;
                if (o.fill != "both" && o.fill != fill) {
                    continue;
                }
                llama_memory_clear(mem, true);
                const auto t0 = std::chrono::steady_clock::now();
                bool ok = true;
                if (is_synth) {
                    const uint32_t pool_rows = (uint32_t) std::min(depth, 256);
                    const synth_pool P = make_pool(L, pool_rows, sk, sv, o.seed);
                    auto blob = write_state(L, (uint32_t) depth, [&](size_t il, bool is_v, uint32_t c) {
                        const size_t idx = (c + il*131) % P.rows;
                        return is_v ? P.v[il].data() + idx*L.v[il].row : P.k[il].data() + idx*L.k[il].row;
                    });
                    const size_t used = llama_state_seq_set_data(ctx, blob.data.get(), blob.size, 0);
                    ok = used == blob.size;
                    if (!ok) {
                        fprintf(stderr, "llama_state_seq_set_data consumed %zu of %zu bytes\n", used, blob.size);
                    }
                } else {
                    ok = prefill(ctx, filler_tokens(depth, n_vocab, 12345), n_batch);
                }
                const double fill_s = seconds_since(t0);
                const int    cells  = ok ? (int) llama_memory_seq_pos_max(mem, 0) + 1 : 0;
                ok = ok && cells == depth;
                decode_result d;
                if (ok) {
                    d = time_decode(ctx, n_vocab, o.n_dec);
                }
                const bool good = ok && d.ok && d.finite;
                std::string toks;
                for (size_t i = 0; i < d.toks.size() && i < 4; ++i) {
                    toks += (i ? "," : "") + std::to_string(d.toks[i]);
                }
                printf("DECODE fill=%s depth=%d k=%s v=%s decode_tok_s=%.3f ms_per_token_median=%.1f cpu_ms_per_token=%.1f "
                       "threads=%d n_decode=%d fill_s=%.2f cells=%d attn_rot_k=%d logits_finite=%d tokens=%s status=%s\n",
                       fill, depth, nk, nv, d.tok_s, d.ms_median, d.cpu_ms, o.n_thr, (int) d.toks.size(), fill_s, cells,
                       g_attn_rot_k, d.finite ? 1 : 0, toks.empty() ? "-" : toks.c_str(), good ? "ok" : "FAILED");
                fflush(stdout);
                failures += !good;
                if (good) {
                    res[is_synth ? 0 : 1] = d;
                }
            }
            if (o.fill == "both" && res[0].ok && res[1].ok) {
                // > 1: decode after the synthetic state is faster; the median and CPU ratios are steadier on a shared box
                printf("XCHECK depth=%d k=%s v=%s synth_tok_s=%.3f prefill_tok_s=%.3f synth_over_prefill=%.3f "
                       "median_ratio=%.3f cpu_ratio=%.3f\n",
                       depth, nk, nv, res[0].tok_s, res[1].tok_s, res[0].tok_s/res[1].tok_s,
                       res[1].ms_median/res[0].ms_median, res[1].cpu_ms/res[0].cpu_ms);
                fflush(stdout);
            }
            llama_free(ctx);
        }
    }
    llama_model_free(model);
    return failures ? 1 : 0;
}
