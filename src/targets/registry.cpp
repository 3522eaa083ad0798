// IoTarget::open asks each kind in turn; the first that claims the name opens it.
#include <wdfio/io_target.hpp>
#include <wdfio/log.hpp>

#include "core/object_create.hpp"
#include "targets/file/file_target.hpp"
#include "targets/target_kind.hpp"

#include <string>

namespace wdfio {

namespace {
// Most specific first: the file kind claims whatever else looks like a path.
constexpr const detail::TargetKind* kKinds[] = {&detail::kDeviceTargetKind, &detail::kNbdTargetKind,
                                                &detail::kFileTargetKind};

std::string accepted_forms() {
    std::string forms;
    for (const auto* kind : kKinds) {
        if (!forms.empty()) forms += "; ";
        forms += kind->forms;
    }
    return forms;
}
}  // namespace

Result<Ref<IoTarget>> IoTarget::open(Engine& engine, std::string_view name, const OpenOptions& options) {
    for (const auto* kind : kKinds)
        if (kind->claims(name)) return kind->open(engine, name, options);
    log(LogLevel::Warning, "open '%.*s': not a name any target kind accepts; accepted: %s",
        static_cast<int>(name.size()), name.data(), accepted_forms().c_str());
    return STATUS_OBJECT_NAME_INVALID;
}

Result<Ref<IoTarget>> IoTarget::open(Engine& engine, std::string_view name, const OpenOptions& options,
                                     const ObjectAttributes& attributes) {
    if (Status s = detail::check_attributes(&attributes, detail::ParentRule::Allowed); !s.ok()) return s;
    auto made = open(engine, name, options);
    if (!made) return made;
    if (Status s = detail::commit(*made, 0, &attributes, nullptr); !s.ok()) {
        made->remove();
        return s;
    }
    return made;
}

bool IoTarget::accepts_name(std::string_view name) noexcept {
    for (const auto* kind : kKinds)
        if (kind->claims(name)) return true;
    return false;
}

std::string IoTarget::accepted_name_forms() { return accepted_forms(); }

Result<Ref<IoTarget>> IoTarget::from_fd(Engine& engine, int fd, std::string_view name) {
    return detail::FileTarget::from_fd(engine, fd, name);
}

}  // namespace wdfio
