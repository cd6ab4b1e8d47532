module esmend.test/expvar_target

go 1.19
