#include "adapters/sandbox/sandbox_type.h"

#include "adapters/sandbox/sandbox_provider.h"

namespace ogw {
namespace {

struct SandboxSettings final : SettingsOf<SandboxSettings> {
  void ForEachField(const FieldFn&) override {}
};

class Sandbox final : public ProviderType {
 public:
  std::string_view name() const override { return kSandboxTypeName; }
  std::unique_ptr<TypeSettings> NewSettings() const override {
    return std::make_unique<SandboxSettings>();
  }
  void Check(const ProviderAccount&, ProviderSource, JsonReader&) const override {}
  absl::StatusOr<std::shared_ptr<Provider>> Make(const ProviderAccount& account,
                                                 const ProviderContext& ctx) const override {
    return std::shared_ptr<Provider>(
        std::make_shared<SandboxProvider>(account.name, ctx.redis, ctx.clock));
  }
};

}  // namespace

const ProviderType& SandboxType() {
  static const Sandbox type;
  return type;
}

}  // namespace ogw
