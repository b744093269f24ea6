// CUDA checks of the RotorQuant cache types against the CPU, in one binary built from the patched tree (issue 23):
//   --bytes          the bytes SET_ROWS writes on CUDA0 vs the CPU quantizer (ggml_quantize_chunk), every type, exact
//                    comparison per block; also the FNV-1a hash of the fixed rows that native/rotorquant.test.ts pins
//   --ops            supports_op answers of CUDA0 for the ops the engine's KV guard probes (native/src/engine.cpp):
//                    SET_ROWS into K/V, FLASH_ATTN_EXT for one decode token and a 512-token ubatch, the K-shift CPY pair
//   --fa-bench N,..  decode-step flash attention alone at Voxtral's shape (32 query / 8 KV heads, head_dim 128) with N
//                    cells, per K/V pair: microseconds per call (graph of 30 FA ops, one per layer, timed as a whole)
//   --sr-bench N,..  SET_ROWS alone at Voxtral's KV shape (8 KV heads x 128) for N tokens per call, per cache type of
//                    --pairs (K and V types): microseconds per op (graph of 60 ops, K and V of 30 layers, timed as a whole)
//   --kv MODEL CTX   the KV buffer sizes llama.cpp logs for a CTX-cell context with every layer on CUDA0, per pair
//   --greedy MODEL   greedy continuation of a fixed prompt, CPU-only vs all layers on CUDA0, per K/V pair: the tokens
//                    must be identical
// Prints one line per result, prefixed "GPU ".
#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "llama.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

static const ggml_type RQ_TYPES[] = { GGML_TYPE_PLANAR2, GGML_TYPE_ISO2, GGML_TYPE_PLANAR3, GGML_TYPE_ISO3,
                                      GGML_TYPE_PLANAR4, GGML_TYPE_ISO4 };

static ggml_type type_by_name(const std::string & s) {
    for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
        const char * n = ggml_type_name((ggml_type) t);
        if (n && s == n) {
            return (ggml_type) t;
        }
    }
    fprintf(stderr, "unknown type %s\n", s.c_str());
    exit(2);
}

static std::vector<std::pair<ggml_type, ggml_type>> parse_pairs(const std::string & list) {
    std::vector<std::pair<ggml_type, ggml_type>> out;
    size_t p = 0;
    while (p < list.size()) {
        size_t e = list.find(',', p);
        if (e == std::string::npos) e = list.size();
        const std::string item = list.substr(p, e - p);
        const size_t c = item.find(':');
        out.push_back({ type_by_name(item.substr(0, c)), type_by_name(c == std::string::npos ? item : item.substr(c + 1)) });
        p = e + 1;
    }
    return out;
}

static ggml_backend_t cuda_backend() {
    ggml_backend_dev_t dev = ggml_backend_dev_by_name("CUDA0");
    if (!dev) {
        fprintf(stderr, "no CUDA0 device\n");
        exit(1);
    }
    return ggml_backend_dev_init(dev, nullptr);
}

static uint64_t fnv1a(const uint8_t * p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; ++i) {
        h = (h ^ p[i])*0x100000001b3ull;
    }
    return h;
}

// rows of test-rotorquant --bytes (patch 0106): integer-exact, the same on every platform
static std::vector<float> fixed_rows(size_t n_rows) {
    std::vector<float> x(n_rows*128);
    uint32_t s = 0x2545f491u;
    for (size_t r = 0; r < n_rows; ++r) {
        const float row_scale = (float) (1 + r % 7) * 0.25f;
        const float offset    = r % 3 == 0 ? 0.5f : 0.0f;
        for (int i = 0; i < 128; ++i) {
            int acc = 0;
            for (int k = 0; k < 4; ++k) {
                s ^= s << 13; s ^= s >> 17; s ^= s << 5;
                acc += (int) (s >> 20) - 2048;
            }
            x[r*128 + i] = row_scale*((float) acc/2048.0f) + (i % 16 == 0 ? offset : 0.0f);
        }
    }
    return x;
}

// K/V-like rows: Gaussian with per-row scales over 6 decades, a few outlier channels, some constant and zero rows
static std::vector<float> varied_rows(size_t n_rows, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> x(n_rows*128);
    for (size_t r = 0; r < n_rows; ++r) {
        const float sc = std::pow(10.0f, (float) (r % 13) / 2.0f - 3.0f);
        for (int i = 0; i < 128; ++i) {
            float v = nd(rng)*sc;
            if (r % 5 == 1 && i % 31 == 3) v *= 8.0f;
            if (r % 17 == 4) v = sc;
            if (r % 23 == 7) v = 0.0f;
            x[r*128 + i] = v;
        }
    }
    return x;
}

// quantize rows on CUDA0 through SET_ROWS (the op that writes the cache), rows scattered to reversed positions
static std::vector<uint8_t> cuda_set_rows(ggml_backend_t be, ggml_type t, const std::vector<float> & x, int64_t width) {
    const int64_t n = (int64_t) x.size()/width;
    ggml_init_params ip = { ggml_tensor_overhead()*8 + ggml_graph_overhead(), nullptr, true };
    ggml_context * ctx = ggml_init(ip);
    ggml_tensor * src = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, width, n);
    ggml_tensor * dst = ggml_new_tensor_2d(ctx, t, width, n);
    ggml_tensor * idx = ggml_new_tensor_1d(ctx, GGML_TYPE_I64, n);
    ggml_tensor * out = ggml_set_rows(ctx, dst, src, idx);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, out);
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, be);
    ggml_backend_tensor_set(src, x.data(), 0, ggml_nbytes(src));
    std::vector<int64_t> ids(n);
    for (int64_t i = 0; i < n; ++i) ids[i] = n - 1 - i;
    ggml_backend_tensor_set(idx, ids.data(), 0, ggml_nbytes(idx));
    ggml_backend_graph_compute(be, gf);
    std::vector<uint8_t> q(ggml_nbytes(dst));
    ggml_backend_tensor_get(dst, q.data(), 0, q.size());
    // undo the scatter: row i of the input is at n-1-i
    const size_t rs = ggml_row_size(t, width);
    std::vector<uint8_t> r(q.size());
    for (int64_t i = 0; i < n; ++i) memcpy(r.data() + i*rs, q.data() + (n - 1 - i)*rs, rs);
    ggml_backend_buffer_free(buf);
    ggml_free(ctx);
    return r;
}

static int check_bytes() {
    ggml_backend_t be = cuda_backend();
    int failures = 0;
    const std::vector<float> fx = fixed_rows(64);
    const std::vector<float> vx = varied_rows(8192, 1234);
    for (ggml_type t : RQ_TYPES) {
        const size_t bs = ggml_type_size(t);
        for (int set = 0; set < 2; ++set) {
            const std::vector<float> & x = set == 0 ? fx : vx;
            const int64_t width = set == 0 ? 128 : 1024;  // one head per row, and a cache row of 8 heads
            const int64_t n = (int64_t) x.size()/width;
            std::vector<uint8_t> cpu(ggml_row_size(t, width)*n);
            ggml_quantize_chunk(t, x.data(), cpu.data(), 0, n, width, nullptr);
            const std::vector<uint8_t> gpu = cuda_set_rows(be, t, x, width);
            size_t bad = 0, first = SIZE_MAX;
            for (size_t b = 0; b < cpu.size()/bs; ++b) {
                if (memcmp(cpu.data() + b*bs, gpu.data() + b*bs, bs) != 0) {
                    bad++;
                    first = std::min(first, b);
                }
            }
            failures += bad != 0;
            printf("GPU bytes %s %s blocks=%zu mismatched=%zu cpu_fnv1a64=%016llx cuda_fnv1a64=%016llx%s\n", ggml_type_name(t),
                   set == 0 ? "fixed" : "varied", cpu.size()/bs, bad, (unsigned long long) fnv1a(cpu.data(), cpu.size()),
                   (unsigned long long) fnv1a(gpu.data(), gpu.size()), bad ? " FAIL" : "");
            if (bad) {
                const uint8_t * c = cpu.data() + first*bs;
                const uint8_t * g = gpu.data() + first*bs;
                std::string hc, hg;
                char tmp[4];
                for (size_t i = 0; i < bs; ++i) {
                    snprintf(tmp, sizeof(tmp), "%02x", c[i]); hc += tmp;
                    snprintf(tmp, sizeof(tmp), "%02x", g[i]); hg += tmp;
                }
                printf("GPU bytes   first mismatch block %zu:\nGPU bytes   cpu  %s\nGPU bytes   cuda %s\n", first, hc.c_str(), hg.c_str());
            }
        }
    }
    ggml_backend_free(be);
    return failures;
}

// the guard's probe ops (engine.cpp KvProbeGraph) at Voxtral's shape, asked of CUDA0
static int check_ops(const std::vector<std::pair<ggml_type, ggml_type>> & pairs) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_name("CUDA0");
    const int64_t hd = 128, n_head = 32, n_head_kv = 8, kv = 256, n_ub = 512;
    int refused = 0;
    for (auto [tk, tv] : pairs) {
        ggml_init_params ip = { ggml_tensor_overhead()*64 + ggml_graph_overhead(), nullptr, true };
        ggml_context * ctx = ggml_init(ip);
        ggml_tensor * k = ggml_new_tensor_3d(ctx, tk, hd*n_head_kv, kv, 1);
        ggml_tensor * v = ggml_new_tensor_3d(ctx, tv, hd*n_head_kv, kv, 1);
        std::vector<std::pair<const char *, ggml_tensor *>> ops;
        for (ggml_tensor * c : { k, v }) {
            ggml_tensor * cur = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, hd*n_head_kv, n_ub);
            ggml_tensor * idx = ggml_new_tensor_1d(ctx, GGML_TYPE_I64, n_ub);
            ops.push_back({ c == k ? "set_rows_k" : "set_rows_v", ggml_set_rows(ctx, c, cur, idx) });
        }
        auto view = [&](ggml_tensor * c) {
            return ggml_view_4d(ctx, c, hd, n_head_kv, kv, 1, ggml_row_size(c->type, hd), ggml_row_size(c->type, hd*n_head_kv),
                                ggml_row_size(c->type, hd*n_head_kv*kv), 0);
        };
        for (int64_t nt : { (int64_t) 1, n_ub }) {
            ggml_tensor * q = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, hd, n_head, nt, 1);
            q = ggml_permute(ctx, q, 0, 2, 1, 3);
            ggml_tensor * kp = ggml_permute(ctx, view(k), 0, 2, 1, 3);
            ggml_tensor * vp = ggml_permute(ctx, view(v), 0, 2, 1, 3);
            ggml_tensor * m = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, kv, nt, 1, 1);
            ggml_tensor * fa = ggml_flash_attn_ext(ctx, q, kp, vp, m, 1.0f/std::sqrt((float) hd), 0.0f, 0.0f);
            ggml_prec_set_acc(fa, GGML_PREC_F32);
            ops.push_back({ nt == 1 ? "fa_decode" : "fa_prefill", fa });
        }
        if (ggml_is_quantized(tk)) {
            ggml_tensor * kv3 = ggml_view_3d(ctx, k, hd, n_head_kv, kv, ggml_row_size(tk, hd), ggml_row_size(tk, hd*n_head_kv), 0);
            ggml_tensor * f32 = ggml_cast(ctx, kv3, GGML_TYPE_F32);
            ops.push_back({ "kshift_deq", f32 });
            ops.push_back({ "kshift_q", ggml_cpy(ctx, ggml_new_tensor(ctx, GGML_TYPE_F32, 3, f32->ne), kv3) });
        }
        std::string line;
        bool all = true;
        for (auto & [name, op] : ops) {
            const bool ok = ggml_backend_dev_supports_op(dev, op);
            all = all && ok;
            line += std::string(" ") + name + "=" + (ok ? "yes" : "NO");
        }
        refused += !all;
        printf("GPU ops %s/%s%s guard=%s\n", ggml_type_name(tk), ggml_type_name(tv), line.c_str(), all ? "pass" : "refuse");
        ggml_free(ctx);
    }
    return refused;
}

static void fa_bench(const std::vector<std::pair<ggml_type, ggml_type>> & pairs, const std::vector<int64_t> & depths) {
    ggml_backend_t be = cuda_backend();
    const int64_t hd = 128, n_head = 32, n_head_kv = 8, n_layer = 30;
    for (int64_t n_kv : depths) {
        for (auto [tk, tv] : pairs) {
            ggml_init_params ip = { ggml_tensor_overhead()*(8*n_layer + 16) + ggml_graph_overhead(), nullptr, true };
            ggml_context * ctx = ggml_init(ip);
            std::vector<ggml_tensor *> ks, vs, outs;
            ggml_tensor * q = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, hd, 1, n_head, 1);
            ggml_tensor * m = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, n_kv, 1, 1, 1);
            ggml_cgraph * gf = ggml_new_graph(ctx);
            for (int il = 0; il < n_layer; ++il) {
                ggml_tensor * k = ggml_new_tensor_3d(ctx, tk, hd*n_head_kv, n_kv, 1);
                ggml_tensor * v = ggml_new_tensor_3d(ctx, tv, hd*n_head_kv, n_kv, 1);
                ks.push_back(k); vs.push_back(v);
                auto view = [&](ggml_tensor * c) {
                    return ggml_view_4d(ctx, c, hd, n_kv, n_head_kv, 1, ggml_row_size(c->type, hd*n_head_kv), ggml_row_size(c->type, hd),
                                        ggml_row_size(c->type, hd*n_head_kv*n_kv), 0);
                };
                ggml_tensor * fa = ggml_flash_attn_ext(ctx, q, view(k), view(v), m, 1.0f/std::sqrt((float) hd), 0.0f, 0.0f);
                ggml_prec_set_acc(fa, GGML_PREC_F32);
                ggml_build_forward_expand(gf, fa);
            }
            ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, be);
            // cache contents: random rows quantized on the CPU (one layer's worth, copied to every layer)
            const std::vector<float> x = varied_rows(n_kv*n_head_kv, 99);
            std::vector<float> qx(hd*n_head);
            for (size_t i = 0; i < qx.size(); ++i) qx[i] = std::sin(0.37f*i);
            ggml_backend_tensor_set(q, qx.data(), 0, ggml_nbytes(q));
            std::vector<ggml_fp16_t> mz(n_kv, ggml_fp32_to_fp16(0.0f));
            ggml_backend_tensor_set(m, mz.data(), 0, ggml_nbytes(m));
            for (ggml_tensor * c : { ks[0], vs[0] }) {
                std::vector<uint8_t> b(ggml_nbytes(c));
                ggml_quantize_chunk(c->type, x.data(), b.data(), 0, n_kv*n_head_kv/(c->ne[0]/hd), c->ne[0], nullptr);
                for (int il = 0; il < n_layer; ++il) {
                    ggml_backend_tensor_set(c == ks[0] ? ks[il] : vs[il], b.data(), 0, b.size());
                }
            }
            ggml_backend_graph_compute(be, gf);  // warm-up
            const int reps = 20;
            const auto t0 = std::chrono::steady_clock::now();
            for (int r = 0; r < reps; ++r) ggml_backend_graph_compute(be, gf);
            ggml_backend_synchronize(be);
            const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count()/reps/n_layer;
            const double bytes = (double) (ggml_row_size(tk, hd) + ggml_row_size(tv, hd))*n_kv*n_head_kv;
            printf("GPU fa n_kv=%lld %s/%s us_per_layer=%.2f GBps=%.0f\n", (long long) n_kv, ggml_type_name(tk), ggml_type_name(tv), us,
                   bytes/(us*1e3));
            fflush(stdout);
            ggml_backend_buffer_free(buf);
            ggml_free(ctx);
        }
    }
    ggml_backend_free(be);
}

static void sr_bench(const std::vector<std::pair<ggml_type, ggml_type>> & pairs, const std::vector<int64_t> & tokens) {
    ggml_backend_t be = cuda_backend();
    const int64_t hd = 128, n_head_kv = 8, n_layer = 30, n_cells = 4096;
    for (int64_t n_tok : tokens) {
        for (auto [tk, tv] : pairs) {
            ggml_init_params ip = { ggml_tensor_overhead()*(8*n_layer + 16) + ggml_graph_overhead(), nullptr, true };
            ggml_context * ctx = ggml_init(ip);
            ggml_tensor * src = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, hd*n_head_kv, n_tok);
            ggml_tensor * idx = ggml_new_tensor_1d(ctx, GGML_TYPE_I64, n_tok);
            ggml_cgraph * gf = ggml_new_graph(ctx);
            std::vector<ggml_tensor *> caches;
            for (int il = 0; il < n_layer; ++il) {
                for (ggml_type t : { tk, tv }) {
                    ggml_tensor * c = ggml_new_tensor_2d(ctx, t, hd*n_head_kv, n_cells);
                    caches.push_back(c);
                    ggml_build_forward_expand(gf, ggml_set_rows(ctx, c, src, idx));
                }
            }
            ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, be);
            const std::vector<float> x = varied_rows(n_tok*n_head_kv, 7);
            ggml_backend_tensor_set(src, x.data(), 0, ggml_nbytes(src));
            std::vector<int64_t> rows(n_tok);
            for (int64_t i = 0; i < n_tok; ++i) rows[i] = (i*37 + 11) % n_cells;
            ggml_backend_tensor_set(idx, rows.data(), 0, ggml_nbytes(idx));
            ggml_backend_graph_compute(be, gf);  // warm-up
            ggml_backend_graph_compute(be, gf);
            const int reps = 20;
            const auto t0 = std::chrono::steady_clock::now();
            for (int r = 0; r < reps; ++r) ggml_backend_graph_compute(be, gf);
            ggml_backend_synchronize(be);
            const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count()/reps/(2*n_layer);
            // the K and V SET_ROWS of a layer are adjacent, as in llama.cpp's graph (the CUDA backend may launch them
            // together): the rows they wrote must be the CPU quantizer's bytes
            int64_t mismatched = 0;
            for (ggml_tensor * c : { caches[0], caches[1] }) {
                if (c->type == GGML_TYPE_F16 || c->type == GGML_TYPE_Q4_0) continue;
                const size_t rs = ggml_row_size(c->type, hd*n_head_kv);
                std::vector<uint8_t> cpu(rs*n_tok), gpu(rs);
                ggml_quantize_chunk(c->type, x.data(), cpu.data(), 0, n_tok, hd*n_head_kv, nullptr);
                for (int64_t i = 0; i < n_tok; ++i) {
                    ggml_backend_tensor_get(c, gpu.data(), rows[i]*rs, rs);
                    mismatched += memcmp(gpu.data(), cpu.data() + i*rs, rs) != 0;
                }
            }
            printf("GPU set_rows n_tok=%lld %s/%s us_per_op=%.2f mismatched_rows=%lld\n", (long long) n_tok, ggml_type_name(tk),
                   ggml_type_name(tv), us, (long long) mismatched);
            fflush(stdout);
            ggml_backend_buffer_free(buf);
            ggml_free(ctx);
        }
    }
    ggml_backend_free(be);
}

static std::vector<llama_token> greedy(llama_model * model, ggml_type tk, ggml_type tv, bool gpu, const std::vector<llama_token> & prompt, int n_gen) {
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 4096;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.type_k = tk;
    cp.type_v = tv;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    cp.op_offload = gpu;
    cp.offload_kqv = gpu;
    llama_context * ctx = llama_init_from_model(model, cp);
    std::vector<llama_token> out;
    if (!ctx) return out;
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    std::vector<llama_token> toks = prompt;
    for (size_t p = 0; p < toks.size(); p += 512) {
        const int n = (int) std::min<size_t>(512, toks.size() - p);
        if (llama_decode(ctx, llama_batch_get_one(toks.data() + p, n)) != 0) break;
    }
    for (int i = 0; i < n_gen; ++i) {
        const float * logits = llama_get_logits_ith(ctx, -1);
        llama_token best = 0;
        for (int t = 1; t < n_vocab; ++t) if (logits[t] > logits[best]) best = t;
        out.push_back(best);
        if (llama_decode(ctx, llama_batch_get_one(&out.back(), 1)) != 0) break;
    }
    llama_free(ctx);
    return out;
}

static int check_greedy(const char * path, const std::vector<std::pair<ggml_type, ggml_type>> & pairs, int n_prompt, int n_gen) {
    llama_model_params mc = llama_model_default_params();
    mc.n_gpu_layers = 0;
    llama_model * m_cpu = llama_model_load_from_file(path, mc);
    llama_model_params mg = llama_model_default_params();
    mg.n_gpu_layers = 999;
    llama_model * m_gpu = llama_model_load_from_file(path, mg);
    if (!m_cpu || !m_gpu) {
        fprintf(stderr, "cannot load %s\n", path);
        return 1;
    }
    const llama_vocab * vocab = llama_model_get_vocab(m_cpu);
    const std::string text = "the meeting started with a short review of the budget, then the team discussed the schedule for the next "
                             "release, who would test the new recorder, and why the long windows need a compressed cache. ";
    std::string all;
    std::vector<llama_token> prompt;
    while ((int) prompt.size() < n_prompt) {
        all += text;
        prompt.resize(all.size() + 8);
        const int n = llama_tokenize(vocab, all.c_str(), (int) all.size(), prompt.data(), (int) prompt.size(), true, false);
        prompt.resize(std::max(n, 0));
    }
    prompt.resize(n_prompt);
    int diffs = 0;
    for (auto [tk, tv] : pairs) {
        const std::vector<llama_token> a = greedy(m_cpu, tk, tv, false, prompt, n_gen);
        const std::vector<llama_token> b = greedy(m_gpu, tk, tv, true, prompt, n_gen);
        size_t same = 0;
        while (same < std::min(a.size(), b.size()) && a[same] == b[same]) same++;
        const bool eq = a.size() == (size_t) n_gen && a == b;
        diffs += !eq;
        std::string ta, tb;
        for (llama_token t : a) ta += std::to_string(t) + " ";
        printf("GPU greedy %s/%s prompt=%d gen=%d identical=%s common_prefix=%zu cpu_tokens=[%s]\n", ggml_type_name(tk), ggml_type_name(tv),
               n_prompt, n_gen, eq ? "yes" : "NO", same, ta.c_str());
        if (!eq) {
            for (llama_token t : b) tb += std::to_string(t) + " ";
            printf("GPU greedy   cuda_tokens=[%s]\n", tb.c_str());
        }
        fflush(stdout);
    }
    llama_model_free(m_cpu);
    llama_model_free(m_gpu);
    return diffs;
}

static std::string g_kv_lines;

static void log_cb(ggml_log_level level, const char * text, void *) {
    if (strstr(text, "KV buffer size") || strstr(text, "llama_kv_cache: size")) {
        g_kv_lines += text;
    }
    if (level >= GGML_LOG_LEVEL_WARN) {
        fputs(text, stderr);
    }
}

// the KV buffers llama.cpp allocates with every layer on CUDA0, as it logs them
static int report_kv(const char * path, const std::vector<std::pair<ggml_type, ggml_type>> & pairs, int n_ctx) {
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 999;
    llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) {
        fprintf(stderr, "cannot load %s\n", path);
        return 1;
    }
    for (auto [tk, tv] : pairs) {
        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = n_ctx;
        cp.type_k = tk;
        cp.type_v = tv;
        cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
        g_kv_lines.clear();
        llama_context * ctx = llama_init_from_model(model, cp);
        std::string l = g_kv_lines;
        std::replace(l.begin(), l.end(), '\n', ' ');
        printf("GPU kv %s/%s n_ctx=%d %s%s\n", ggml_type_name(tk), ggml_type_name(tv), n_ctx, ctx ? "" : "CONTEXT FAILED ", l.c_str());
        fflush(stdout);
        if (ctx) llama_free(ctx);
    }
    llama_model_free(model);
    return 0;
}

// "4096,16384" -> { 4096, 16384 }
static std::vector<int64_t> parse_counts(const char * s) {
    std::vector<int64_t> out;
    for (const char * p = s; *p;) {
        out.push_back(strtoll(p, (char **) &p, 10));
        if (*p == ',') p++;
    }
    return out;
}

int main(int argc, char ** argv) {
    std::string pairs_s = "f16:f16,q8_0:q8_0,q4_0:q4_0,iso3:iso3,iso4:iso4,planar3:planar3,planar4:planar4,iso2:iso2,planar2:planar2,iso3:iso4,q8_0:iso3,iso4:iso3";
    int rc = 0;
    llama_backend_init();
    llama_log_set(log_cb, nullptr);
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--pairs" && i + 1 < argc) {
            pairs_s = argv[++i];
        } else if (a == "--bytes") {
            rc += check_bytes();
        } else if (a == "--ops") {
            rc += check_ops(parse_pairs(pairs_s));
        } else if (a == "--fa-bench" && i + 1 < argc) {
            fa_bench(parse_pairs(pairs_s), parse_counts(argv[++i]));
        } else if (a == "--sr-bench" && i + 1 < argc) {
            sr_bench(parse_pairs(pairs_s), parse_counts(argv[++i]));
        } else if (a == "--kv" && i + 2 < argc) {
            const char * path = argv[++i];
            rc += report_kv(path, parse_pairs(pairs_s), atoi(argv[++i]));
        } else if (a == "--greedy" && i + 1 < argc) {
            rc += check_greedy(argv[++i], parse_pairs(pairs_s), 1500, 48);
        } else {
            fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    printf("GPU done rc=%d\n", rc);
    return rc;
}
