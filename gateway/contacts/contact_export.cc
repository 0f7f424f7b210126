#include "gateway/contacts/contact_export.h"

#include <set>

#include "gateway/contacts/contact_json.h"
#include "gateway/contacts/csv_writer.h"
#include "gateway/core/iso_time.h"

namespace ogw {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;

std::string Joined(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// The consent an export states for `a`: an opt-out reads as withdrawn where there is no room
// for the flag (CSV).
Consent ExportedConsent(const Address& a) {
  if (a.opted_out && a.consent.state != ConsentState::kWithdrawn) {
    return Consent{ConsentState::kWithdrawn,
                   a.consent.source.empty() ? "opt-out" : a.consent.source,
                   a.opted_out_at_millis > 0 ? a.opted_out_at_millis : a.consent.at_millis};
  }
  return a.consent;
}

std::string AttributeText(const AttributeValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return nlohmann::json(std::get<double>(v)).dump();
}

}  // namespace

std::vector<std::string> ContactExportCsvHeader(const std::vector<std::string>& attribute_names) {
  std::vector<std::string> header = {"id",   "name",      "post_id", "languages",    "country",
                                     "city", "time_zone", "tags",    "channel_order"};
  for (AddressKind kind : AllAddressKinds()) {
    const std::string name(AddressKindName(kind));
    for (const char* suffix : {"", "_consent", "_consent_source", "_consent_at"}) {
      header.push_back(name + suffix);
    }
  }
  for (const std::string& a : attribute_names) header.push_back("attr." + a);
  return header;
}

void AppendContactExportCsvRecord(const Contact& c, const std::vector<std::string>& attribute_names,
                                  std::string* out) {
  std::vector<std::string> order;
  for (Channel ch : c.channel_order) order.emplace_back(ChannelName(ch));
  std::vector<std::string> cells = {
      c.id,   c.name,      c.post_id,           Joined(c.languages, ';'), c.country,
      c.city, c.time_zone, Joined(c.tags, ';'), Joined(order, ';')};
  for (AddressKind kind : AllAddressKinds()) {
    const Address* a = c.FindAddress(kind);
    if (a == nullptr) {
      cells.insert(cells.end(), 4, "");
      continue;
    }
    const Consent consent = ExportedConsent(*a);
    const bool known = consent.state != ConsentState::kUnknown;
    cells.push_back(a->value);
    cells.push_back(known ? std::string(ConsentStateName(consent.state)) : "");
    cells.push_back(known ? consent.source : "");
    cells.push_back(known ? FormatIsoUtc(consent.at_millis, /*exact=*/true) : "");
  }
  for (const std::string& name : attribute_names) {
    auto it = c.attributes.find(name);
    cells.push_back(it == c.attributes.end() ? "" : AttributeText(it->second));
  }
  AppendCsvRecord(out, cells);
}

nlohmann::json ContactExportJson(const Contact& c) {
  nlohmann::json j = {{"id", c.id}, {"name", c.name}};
  if (!c.post_id.empty()) j["post_id"] = c.post_id;
  if (!c.languages.empty()) j["languages"] = c.languages;
  if (!c.country.empty()) j["country"] = c.country;
  if (!c.city.empty()) j["city"] = c.city;
  if (!c.time_zone.empty()) j["time_zone"] = c.time_zone;
  if (!c.attributes.empty()) j["attributes"] = AttributesJson(c);
  if (!c.tags.empty()) j["tags"] = c.tags;
  nlohmann::json addresses = nlohmann::json::array();
  for (const Address& a : c.addresses) {
    nlohmann::json address = {{"kind", AddressKindName(a.kind)}, {"value", a.value}};
    if (a.verified) address["verified"] = true;
    if (a.consent.state != ConsentState::kUnknown) {
      address["consent"] = {{"state", ConsentStateName(a.consent.state)},
                            {"source", a.consent.source},
                            {"at", a.consent.at_millis}};
    }
    if (a.opted_out) address["opted_out"] = true;
    addresses.push_back(std::move(address));
  }
  j["addresses"] = std::move(addresses);
  if (!c.channel_order.empty()) {
    nlohmann::json order = nlohmann::json::array();
    for (Channel ch : c.channel_order) order.push_back(ChannelName(ch));
    j["channel_order"] = std::move(order);
  }
  return j;
}

absl::Status ExportContacts(ContactStore& store, std::string_view org_id, const PostScope& scope,
                            ContactExportFormat format,
                            const std::function<bool(std::string_view chunk)>& write,
                            std::atomic<int64_t>* written) {
  std::string chunk;
  chunk.reserve(kChunkBytes + 4096);
  bool cancelled = false;
  auto flush = [&](bool always) {
    if (cancelled || (!always && chunk.size() < kChunkBytes)) return;
    if (!chunk.empty() && !write(chunk)) cancelled = true;
    chunk.clear();
  };
  auto counted = [&] {
    if (written != nullptr) written->fetch_add(1, std::memory_order_relaxed);
  };

  if (format == ContactExportFormat::kCsv) {
    // The header names every attribute, so the attributes are gathered first.
    std::set<std::string> names;
    RETURN_IF_ERROR(store.ForEach(org_id, scope, [&](const Contact& c) {
      if (!scope.Allows(c.post_id)) return true;
      for (const auto& [name, value] : c.attributes) names.insert(name);
      return true;
    }));
    const std::vector<std::string> attributes(names.begin(), names.end());
    AppendCsvRecord(&chunk, ContactExportCsvHeader(attributes));
    RETURN_IF_ERROR(store.ForEach(org_id, scope, [&](const Contact& c) {
      if (!scope.Allows(c.post_id)) return true;
      AppendContactExportCsvRecord(c, attributes, &chunk);
      counted();
      flush(false);
      return !cancelled;
    }));
  } else {
    chunk = "{\"contacts\":[";
    bool first = true;
    RETURN_IF_ERROR(store.ForEach(org_id, scope, [&](const Contact& c) {
      if (!scope.Allows(c.post_id)) return true;
      if (!first) chunk += ",\n";
      first = false;
      chunk += ContactExportJson(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      counted();
      flush(false);
      return !cancelled;
    }));
    chunk += "]}\n";
  }
  flush(true);
  if (cancelled) return absl::CancelledError("the export's reader went away");
  return absl::OkStatus();
}

}  // namespace ogw
