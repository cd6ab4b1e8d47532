#include <tool/app.hpp>

int main(int argc, char** argv) {
    return esmend::tool::run(argc, argv);
}
