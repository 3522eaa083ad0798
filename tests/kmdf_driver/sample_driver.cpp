// sample_driver.c once more, as C++ (drivers are written in both): its
// entry points renamed so both builds link into one program.
#define DriverEntry         DriverEntryCpp
#define SampleGuidIsDefined SampleGuidIsDefinedCpp
#include "sample_driver.c"
