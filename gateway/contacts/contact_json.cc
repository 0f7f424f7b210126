#include "gateway/contacts/contact_json.h"

namespace ogw {

nlohmann::json ContactToJson(const Contact& c) {
  nlohmann::json j;
  j["id"] = c.id;
  j["org_id"] = c.org_id;
  j["post_id"] = c.post_id;
  j["name"] = c.name;
  j["languages"] = c.languages;
  j["country"] = c.country;
  j["city"] = c.city;
  j["time_zone"] = c.time_zone;
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [k, v] : c.attributes) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      attrs[k] = *s;
    } else {
      attrs[k] = std::get<double>(v);
    }
  }
  j["attributes"] = std::move(attrs);
  j["tags"] = c.tags;
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& a : c.addresses) {
    addresses.push_back({
        {"kind", AddressKindName(a.kind)},
        {"value", a.value},
        {"verified", a.verified},
        {"consent",
         {{"state", ConsentStateName(a.consent.state)},
          {"source", a.consent.source},
          {"at", a.consent.at_millis}}},
        {"opted_out", a.opted_out},
        {"opted_out_at", a.opted_out_at_millis},
    });
  }
  j["addresses"] = std::move(addresses);
  nlohmann::json order = nlohmann::json::array();
  for (Channel ch : c.channel_order) order.push_back(ChannelName(ch));
  j["channel_order"] = std::move(order);
  j["verified"] = c.verified;
  j["created_at"] = c.created_at_millis;
  j["updated_at"] = c.updated_at_millis;
  return j;
}

nlohmann::json ContactToInputJson(const Contact& c) {
  nlohmann::json j = ContactToJson(c);
  for (const char* k : {"id", "org_id", "verified", "created_at", "updated_at"}) j.erase(k);
  for (auto& a : j["addresses"]) {
    a["consent"].erase("at");
    // Unknown consent has no source; ContactFromJson refuses an empty one.
    if (a["consent"]["source"].get<std::string>().empty()) a["consent"].erase("source");
    a.erase("opted_out_at");
  }
  for (const char* k : {"country", "city", "time_zone", "post_id"}) {
    if (j[k].get<std::string>().empty()) j.erase(k);
  }
  return j;
}

std::string SerializeContact(const Contact& contact) { return ContactToJson(contact).dump(); }

absl::StatusOr<Contact> ParseStoredContact(std::string_view document) {
  try {
    nlohmann::json j = nlohmann::json::parse(document);
    Contact c;
    c.id = j.at("id").get<std::string>();
    c.org_id = j.at("org_id").get<std::string>();
    c.post_id = j.at("post_id").get<std::string>();
    c.name = j.at("name").get<std::string>();
    c.languages = j.at("languages").get<std::vector<std::string>>();
    c.country = j.at("country").get<std::string>();
    c.city = j.at("city").get<std::string>();
    c.time_zone = j.at("time_zone").get<std::string>();
    for (const auto& [k, v] : j.at("attributes").items()) {
      if (v.is_string()) {
        c.attributes.emplace(k, v.get<std::string>());
      } else {
        c.attributes.emplace(k, v.get<double>());
      }
    }
    c.tags = j.at("tags").get<std::vector<std::string>>();
    for (const auto& a : j.at("addresses")) {
      Address addr;
      auto kind = ParseAddressKind(a.at("kind").get<std::string>());
      auto state = ParseConsentState(a.at("consent").at("state").get<std::string>());
      if (!kind || !state) return absl::DataLossError("stored contact has an unknown enum");
      addr.kind = *kind;
      addr.value = a.at("value").get<std::string>();
      addr.verified = a.at("verified").get<bool>();
      addr.consent.state = *state;
      addr.consent.source = a.at("consent").at("source").get<std::string>();
      addr.consent.at_millis = a.at("consent").at("at").get<int64_t>();
      addr.opted_out = a.at("opted_out").get<bool>();
      addr.opted_out_at_millis = a.at("opted_out_at").get<int64_t>();
      c.addresses.push_back(std::move(addr));
    }
    for (const auto& ch : j.at("channel_order")) {
      auto channel = ParseChannel(ch.get<std::string>());
      if (!channel) return absl::DataLossError("stored contact has an unknown channel");
      c.channel_order.push_back(*channel);
    }
    c.verified = j.at("verified").get<bool>();
    c.created_at_millis = j.at("created_at").get<int64_t>();
    c.updated_at_millis = j.at("updated_at").get<int64_t>();
    return c;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored contact is not readable: ") + e.what());
  }
}

}  // namespace ogw
