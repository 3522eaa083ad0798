// PassThroughFilter: a filter driver that sends every request down unchanged
// and completes it with the lower result — the skeleton most filters start
// from (override a callback to look at or change one type of request).
#pragma once
#include <wdfio/device.hpp>

#pragma GCC visibility push(default)  // what the public headers declare is the ABI (the rest is hidden)

namespace wdfio {

class PassThroughFilter : public Driver {
public:
    void on_read(DeliveredRequest& r, std::size_t) override { pass_down(r); }
    void on_write(DeliveredRequest& r, std::size_t) override { pass_down(r); }
    void on_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override { pass_down(r); }
    void on_internal_device_control(DeliveredRequest& r, std::size_t, std::size_t, std::uint32_t) override {
        pass_down(r);
    }
    void on_default(DeliveredRequest& r) override { pass_down(r); }

protected:
    // Formats r with its own parameters, sends it to the next level, and
    // completes it from the completion routine (or at once if the send is refused).
    void pass_down(DeliveredRequest& r) {
        r.format_using_current_type();
        r.set_completion([&r](Request&, IoTarget&, const CompletionParams& p) {
            r.complete_with_information(p.status, p.information);
        });
        if (!r.send(*device().default_target())) r.complete(r.status());
    }
};

}  // namespace wdfio
#pragma GCC visibility pop
