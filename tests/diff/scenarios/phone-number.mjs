// The phone-number plugin: a number reaches an account only through a code (sign-up and
// update-user refuse one), the code flow that adds it, sign-in by number and password, and the
// errors of each endpoint.

export default {
  name: "phone-number",
  vars: ({ run }) => ({
    email: `phone-${run}@example.com`,
    password: `Pw-${run}-phone`,
    phone: `+1555${String(parseInt(run.slice(0, 8), 16) % 10_000_000).padStart(7, "0")}`,
  }),
  steps: [
    {
      name: "sign up with a phone number: refused",
      device: "stranger",
      path: "/sign-up/email",
      body: { name: "Phone", email: "{{email}}", password: "{{password}}", phoneNumber: "{{phone}}" },
      status: 400,
      expect: { code: "PHONE_NUMBER_CANNOT_BE_SET" },
    },
    {
      name: "sign up with an empty phone number: ignored",
      path: "/sign-up/email",
      body: { name: "Phone", email: "{{email}}", password: "{{password}}", phoneNumber: "" },
      status: 200,
      values: ["user.phoneNumber", "user.phoneNumberVerified"],
    },
    {
      name: "update-user with a phone number: refused",
      path: "/update-user",
      body: { phoneNumber: "{{phone}}" },
      status: 400,
      expect: { code: "PHONE_NUMBER_CANNOT_BE_UPDATED" },
    },
    {
      name: "send a code to a number that is not E.164",
      path: "/phone-number/send-otp",
      body: { phoneNumber: "555-0123" },
      differences: [
        {
          reason: 'README "Differences from Better Auth, on purpose": phone numbers must be E.164; the reference, without a phoneNumberValidator, texts any string',
          answer: {
            portcullis: { status: 400, code: "INVALID_PHONE_NUMBER" },
            reference: { status: 200, body: { message: "code sent" } },
          },
        },
      ],
    },
    {
      name: "a code by SMS to add the number",
      path: "/phone-number/send-otp",
      body: { phoneNumber: "{{phone}}" },
      status: 200,
      values: ["message"],
      mail: { addCode: { kind: "sms-otp", to: "{{phone}}" } },
    },
    {
      name: "a wrong code",
      path: "/phone-number/verify",
      body: { phoneNumber: "{{phone}}", code: "000000x", updatePhoneNumber: true },
      status: 400,
      expect: { code: "INVALID_OTP" },
    },
    {
      name: "the right code adds the number to the signed-in user",
      path: "/phone-number/verify",
      body: { phoneNumber: "{{phone}}", code: "{{addCode}}", updatePhoneNumber: true },
      status: 200,
      values: ["status", "user.phoneNumber", "user.phoneNumberVerified"],
    },
    {
      name: "the same code again",
      path: "/phone-number/verify",
      body: { phoneNumber: "{{phone}}", code: "{{addCode}}", updatePhoneNumber: true },
      status: 400,
      expect: { code: "OTP_NOT_FOUND" },
    },
    {
      name: "sign in with the number and password",
      device: "by-phone",
      path: "/sign-in/phone-number",
      body: { phoneNumber: "{{phone}}", password: "{{password}}" },
      status: 200,
      values: ["user.email", "user.phoneNumber"],
    },
    {
      name: "sign in with the number and a wrong password",
      device: "stranger",
      path: "/sign-in/phone-number",
      body: { phoneNumber: "{{phone}}", password: "not-the-password" },
      status: 401,
      expect: { code: "INVALID_PHONE_NUMBER_OR_PASSWORD" },
    },
    {
      name: "sign in with a number nobody has",
      device: "stranger",
      path: "/sign-in/phone-number",
      body: { phoneNumber: "+15005550006", password: "{{password}}" },
      status: 401,
      expect: { code: "INVALID_PHONE_NUMBER_OR_PASSWORD" },
    },
  ],
};
