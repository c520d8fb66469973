// Form Post Response Mode: send the authorization response to the application at once.
document.getElementById("form-post")?.submit();
