// Rendering throughput: the per-send cost of turning a template into a recipient's text.
// Target (templates issue): at least 200,000 messages/s per core for a typical SMS template,
// templates parsed once and cached.
//
//   ./build-bench/bench/render_bench

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "templates/sms_encoding.h"
#include "templates/template.h"
#include "templates/template_renderer.h"

namespace ogw::bench {
namespace {

Template SmsTemplate() {
  nlohmann::json body = {
      {"name", "Counselling days"},
      {"default_language", "en"},
      {"variants",
       {{"en",
         {{"body", "Dear {{contact.name}}, the consulate holds counselling days in "
                   "{{event.city}} on {{event.day}}. Book: https://consulate.example.org/book"},
          {"sms", "Dear {{contact.name}}, counselling days in {{event.city}} on {{event.day}}. "
                  "Book: https://consulate.example.org/book"}}},
        {"fr",
         {{"body", "Cher {{contact.name}}, journées de conseil à {{event.city}} le "
                   "{{event.day}}."}}}}}};
  FieldErrors errors;
  auto t = TemplateFromJson(body, &errors);
  if (!t.ok()) std::abort();
  t->id = "tpl_bench";
  t->version = 1;
  return *t;
}

std::vector<Recipient> Recipients() {
  static const char* kNames[] = {"Ana Silva", "Giorgi Beridze", "Amina Yusuf", "Jean Dupont",
                                 "Nino Kapanadze", "Abebe Kebede", "Maria Papadopoulou",
                                 "Rustam Karimov"};
  std::vector<Recipient> out;
  for (int i = 0; i < 64; ++i) {
    Recipient r;
    r.languages = {i % 4 == 0 ? "fr" : "en"};
    r.time_zone = "Europe/Berlin";
    r.variables = {{"contact", {{"name", kNames[i % 8]}}},
                   {"event", {{"city", "Berlin"}, {"day", "12 March"}}}};
    out.push_back(std::move(r));
  }
  return out;
}

// Renders for a rotating set of recipients; with `count_segments`, also analyses the SMS text
// as every SMS send does.
void RenderLoop(benchmark::State& state, Channel channel, const char* opt_out,
                bool count_segments) {
  const Template t = SmsTemplate();
  const std::vector<Recipient> recipients = Recipients();
  TemplateRenderer renderer;
  RenderRequest request;
  request.channel = channel;
  request.opt_out_text = opt_out;
  size_t i = 0;
  for (auto _ : state) {
    request.recipient = &recipients[i++ % recipients.size()];
    auto rendered = renderer.Render(t, request);
    benchmark::DoNotOptimize(rendered);
    if (count_segments) {
      auto info = AnalyzeSms(rendered->text);
      benchmark::DoNotOptimize(info);
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RenderSms(benchmark::State& state) {
  RenderLoop(state, Channel::kSms, "Reply STOP to unsubscribe.", false);
}
BENCHMARK(BM_RenderSms);

void BM_RenderSmsAndCountSegments(benchmark::State& state) {
  RenderLoop(state, Channel::kSms, "Reply STOP to unsubscribe.", true);
}
BENCHMARK(BM_RenderSmsAndCountSegments);

void BM_RenderEmail(benchmark::State& state) {
  RenderLoop(state, Channel::kEmail, "To stop receiving these e-mails, reply STOP.", false);
}
BENCHMARK(BM_RenderEmail);

}  // namespace
}  // namespace ogw::bench

BENCHMARK_MAIN();
