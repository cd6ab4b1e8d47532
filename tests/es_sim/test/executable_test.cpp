// The es-sim executable: --port 0 prints the URL first, serves, and exits cleanly on SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#ifdef ES_SIM_EXE
TEST(Executable, PrintsUrlServesAndStopsOnSigterm) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl(ES_SIM_EXE, ES_SIM_EXE, "--port", "0", "--version", "7.17", "--user",
              "elastic:pw:superuser", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    std::string line;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n')
        line.push_back(c);
    close(out[0]);
    ASSERT_TRUE(line.starts_with("http://127.0.0.1:")) << line;
    const int port = std::stoi(line.substr(std::string("http://127.0.0.1:").size()));
    httplib::Client client("127.0.0.1", port);
    auto anonymous = client.Get("/");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    client.set_basic_auth("elastic", "pw");
    auto r = client.Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"7.17."), std::string::npos);
    ASSERT_EQ(kill(pid, SIGTERM), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Executable, BadArgumentsExitWithUsageCode) {
    const std::string cmd = std::string(ES_SIM_EXE) + " --port 0 --bogus 2>/dev/null";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
}
#endif
