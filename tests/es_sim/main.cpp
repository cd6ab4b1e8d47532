// The es-sim executable: see es_sim::run_main.
#include <es_sim/server.hpp>

int main(int argc, char** argv) {
    try {
        return esmend::es_sim::run_main(argc, argv);
    } catch (...) {
        return 1;
    }
}
